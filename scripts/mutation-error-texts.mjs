// A Stryker ignorer (stryker.config.mjs: `ignorers: ['error-texts']`): mutants of the prose of
// a domain error are not tested. A RuleViolatedError's contract is its `rule`, a
// ForbiddenError's its code and command (what the API answers in `rule` and `code`); the
// message is the problem's `detail`, for a person, free to be reworded. docs/testing.md.

/** Constructors and helpers, and the index of the argument that is only prose. */
const PROSE_ARGUMENT = new Map([
  ['RuleViolatedError', 1],
  ['ForbiddenError', 1],
  // commitment.decider.ts: requireText(value, rule, message) throws RuleViolatedError(rule, message).
  ['requireText', 2],
]);

const REASON = 'Error text: the rule or code is the contract, the message is prose (docs/testing.md)';

/** Whether evaluating the node can throw, as `a?.b` mutated to `a.b` can: never ignored. */
function canThrow(path) {
  let found = false;
  path.traverse({
    OptionalMemberExpression(inner) {
      found = true;
      inner.stop();
    },
    OptionalCallExpression(inner) {
      found = true;
      inner.stop();
    },
  });
  return found;
}

function isProseArgument(path) {
  const { parentPath } = path;
  if (parentPath === null || path.listKey !== 'arguments') return false;
  if (!parentPath.isNewExpression() && !parentPath.isCallExpression()) return false;
  const { callee } = parentPath.node;
  return callee.type === 'Identifier' && PROSE_ARGUMENT.get(callee.name) === path.key;
}

export const strykerPlugins = [
  {
    kind: 'Ignore',
    name: 'error-texts',
    value: {
      shouldIgnore(path) {
        return isProseArgument(path) && !canThrow(path) ? REASON : undefined;
      },
    },
  },
];
