/**
 * Positions of `$all` known to be where a record starts: the only places KurrentDB can
 * read the log from (it reads the record at the byte offset it is given, and fails a read
 * from inside a record). The adapter remembers some of the positions it has seen, so that
 * a read after a position that is not a record's (0.5 past one, or `p - 1`) can start from
 * the closest record before it instead of from the beginning of the log. Bounded: past
 * `capacity`, every other position is forgotten, which keeps them spread over the log.
 */
export class RecordPositions {
  private sorted: number[] = [];

  constructor(private readonly capacity = 4096) {}

  get size(): number {
    return this.sorted.length;
  }

  has(position: number): boolean {
    const i = this.lowerBound(position);
    return this.sorted[i] === position;
  }

  add(position: number): void {
    if (!(position > 0) || !Number.isSafeInteger(position)) return;
    const i = this.lowerBound(position);
    if (this.sorted[i] === position) return;
    this.sorted.splice(i, 0, position);
    if (this.sorted.length > Math.max(2, this.capacity)) {
      // Keep the latest one: followers read from there.
      const last = this.sorted[this.sorted.length - 1];
      this.sorted = this.sorted.filter((_, k) => k % 2 === 0);
      if (this.sorted[this.sorted.length - 1] !== last) this.sorted.push(last);
    }
  }

  /** The greatest known record position strictly below `position`, or 0 (the beginning of the log). */
  before(position: number): number {
    const i = this.lowerBound(position);
    return i === 0 ? 0 : this.sorted[i - 1];
  }

  /** The index of the first position >= `position`. */
  private lowerBound(position: number): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.sorted[mid] < position) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
