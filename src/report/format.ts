import { Decimal, formatExact, formatMoney } from '../util/decimal.js';
import type { InvoiceLine } from '../pricing/invoice.js';

/** Quantity in the line's unit, for reading: up to 6 decimals, trailing zeros dropped. */
export function unitQuantity(line: InvoiceLine): string {
  return new Decimal(line.baseQuantity).dividedBy(line.perUnit).toDecimalPlaces(6, Decimal.ROUND_HALF_UP).toString();
}

/** Exact base quantity: seconds (from ms, up to 3 decimals) or tokens. */
export function baseQuantity(line: InvoiceLine): { value: string; unit: string } {
  return baseOf(line.baseQuantity, line.baseUnit);
}

/** A quantity of base units as JSON says it: seconds (from ms, exact), requests or tokens, as text, and the unit's name. */
export function baseOf(quantity: number, baseUnit: InvoiceLine['baseUnit']): { value: string; unit: string } {
  return baseUnit === 'ms' ? { value: new Decimal(quantity).dividedBy(1000).toString(), unit: 'second' } : { value: String(quantity), unit: baseUnit };
}

/** `1234567.5` → `1,234,567.5`, the same in every locale. */
export function groupThousands(text: string): string {
  const [whole, fraction] = text.split('.');
  const sign = whole!.startsWith('-') ? '-' : '';
  const digits = sign ? whole!.slice(1) : whole!;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

/** Quantity for a table cell: `12.5 h`, `1,200,000 tok`. */
export function displayQuantity(line: InvoiceLine): string {
  if (line.baseUnit === 'token') return `${groupThousands(String(line.baseQuantity))} tok`;
  if (line.baseUnit === 'request') return `${groupThousands(String(line.baseQuantity))} req`;
  const short: Record<string, string> = { hour: 'h', minute: 'min', second: 's' };
  const value = new Decimal(line.baseQuantity).dividedBy(line.perUnit).toDecimalPlaces(4, Decimal.ROUND_HALF_UP);
  return `${groupThousands(value.toString())} ${short[line.unit] ?? line.unit}`;
}

/** What the line pays for, in one cell: `—`, an add-on name, `input`/`output` tokens. */
export function componentLabel(line: InvoiceLine): string {
  return line.addon ?? (line.tokenType ? `${line.tokenType} tokens` : '');
}

/** The indices of an invoice's lines by product, products in the order they first appear: one pass. */
export function linesByProduct(lines: readonly InvoiceLine[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  lines.forEach((line, i) => {
    const group = groups.get(line.product);
    if (group) group.push(i);
    else groups.set(line.product, [i]);
  });
  return groups;
}

export { formatExact, formatMoney };
