export * from './agenda-item.rules';
export * from './commitment.context';
export * from './session.state';
export * from './session.commands';
export * from './session.events';
export * from './session.decider';
export * from './commitment-command.mapping';
export * from './stream-ids';
