/** Every order the close stress runs know: bare-socket orders and the product's own. */
import {productOrders} from './close-orders-product.js';
import {rawOrders} from './close-orders-raw.js';

export const ORDERS: Record<string, () => Promise<void>> = {...rawOrders, ...productOrders};
