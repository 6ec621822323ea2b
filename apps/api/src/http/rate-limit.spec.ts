import { BUDGETS_KEPT, BudgetStore } from './rate-limit';

/** Every count the store answers for `key`, in order, each as it was answered. */
function counter(store: BudgetStore, window = 60_000) {
  return (key: string) => {
    let answer: { current: number; ttl: number } | undefined;
    store.incr(
      key,
      (error, result) => {
        if (error) throw error;
        answer = result;
      },
      window,
    );
    return answer!;
  };
}

describe('BudgetStore', () => {
  it('answers each request with its own count, not a record later requests change', () => {
    const incr = counter(new BudgetStore());
    const answers = Array.from({ length: 12 }, () => incr('key:a'));
    expect(answers.map((a) => a.current)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('keeps one window per key, renewed once it has passed', () => {
    let now = 1_000_000;
    const incr = counter(new BudgetStore(undefined, () => now));
    expect(incr('key:a')).toEqual({ current: 1, ttl: 60_000 });
    now += 59_000;
    expect(incr('key:a')).toEqual({ current: 2, ttl: 1_000 });
    expect(incr('key:b')).toEqual({ current: 1, ttl: 60_000 });
    now += 1_000;
    expect(incr('key:a')).toEqual({ current: 1, ttl: 60_000 });
    expect(incr('key:b')).toEqual({ current: 2, ttl: 59_000 });
  });

  it(`keeps ${BUDGETS_KEPT} budgets, dropping the least recently used`, () => {
    const incr = counter(new BudgetStore());
    incr('key:old');
    incr('key:busy');
    for (let i = 0; i < BUDGETS_KEPT - 2; i++) incr(`ip:${i}`);
    incr('key:busy'); // used again: now the most recent
    incr('ip:one-more');
    expect(incr('key:busy').current).toBe(3);
    expect(incr('key:old').current).toBe(1);
  });
});
