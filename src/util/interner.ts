/** Gives each distinct string a small index, so columns can hold numbers instead of strings. */
export class Interner {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();

  constructor(private readonly limit = 0xffffffff) {}

  /** The index of a string, adding it when new. */
  of(value: string): number {
    let i = this.index.get(value);
    if (i === undefined) {
      if (this.values.length >= this.limit) throw new RangeError(`more than ${this.limit} distinct values`);
      i = this.values.push(value) - 1;
      this.index.set(value, i);
    }
    return i;
  }

  /** The string of an index. */
  at(i: number): string {
    return this.values[i]!;
  }
}
