/** What the bench may use of the CLI: the store copy's append of one run of a stream. */
export { appendRun } from './store.command';
