export * from './render';
export * from './report/results-report';
export * from './report/report-csv';
export * from './report/report-messages';
export * from './report/report-document';
export * from './minutes';
