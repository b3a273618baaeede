export { DASHBOARD_PATH, loadDashboard, type Dashboard } from './serve-dashboard.ts';
