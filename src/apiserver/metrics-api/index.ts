export { metricsApi, cpuQuantity, memoryQuantity, type MetricsApi, type MetricsApiOptions } from './metrics-resources.ts';
export { SummaryScraper, type ScrapedSummary } from './summary-scraper.ts';
