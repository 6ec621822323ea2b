export * from './minutes-content';
export * from './minutes-document';
export { minutesWording, formatDate, formatInstant, formatTime } from './wording';
export * from './minutes-sources';
