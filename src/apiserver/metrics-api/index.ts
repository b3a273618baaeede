export { metricsApiResources, cpuQuantity, memoryQuantity, type MetricsApiOptions } from './metrics-resources.ts';
export { SummaryScraper, type ScrapedSummary } from './summary-scraper.ts';
