// Resource quantities as numbers (cgroup limits in bytes, CPU in millicores, downward API values):
// shared with the scheduler in src/api.
export { QuantityError, milliValue, parseQuantity, quantityValue as intValue } from '../../api/index.ts';
