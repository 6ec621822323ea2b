// Re-exported from here so that `require('accord-bench-emmett-postgresql')` finds this folder's own emmett.
module.exports = { ...require('@event-driven-io/emmett-postgresql'), dumbo: require('@event-driven-io/dumbo') };
