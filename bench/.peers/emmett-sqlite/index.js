// Re-exported from here so that `require('accord-bench-emmett-sqlite')` finds this folder's own emmett.
module.exports = require('@event-driven-io/emmett-sqlite');
