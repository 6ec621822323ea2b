/** The read models' runner (a ProjectionRunner). */
export const PROJECTIONS = Symbol('PROJECTIONS');
/** The workers' own connection beside the store: read models and checkpoints (see openWorkersDb). */
export const WORKERS_DB = Symbol('WORKERS_DB');
/** The projections the workers run: every read model and the log tree, unless the app was built with others. */
export const PROJECTION_SET = Symbol('PROJECTION_SET');
