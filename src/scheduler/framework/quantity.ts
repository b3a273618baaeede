// Resource quantities as numbers: shared with the agent in src/api.
export { QuantityError, milliValue, parseQuantity, quantityValue as value } from '../../api/index.ts';
