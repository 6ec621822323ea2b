import { parseStoreUrl, redactStoreUrl, StoreUrlError } from './store-url';

describe('parseStoreUrl', () => {
  it.each([
    ['sqlite:./data/accord.db', { kind: 'sqlite', filename: '/srv/accord/data/accord.db' }],
    ['sqlite:data/x.db', { kind: 'sqlite', filename: '/srv/accord/data/x.db' }],
    ['sqlite:/var/lib/accord.db', { kind: 'sqlite', filename: '/var/lib/accord.db' }],
    ['sqlite:///var/lib/accord.db', { kind: 'sqlite', filename: '/var/lib/accord.db' }],
    ['sqlite::memory:', { kind: 'sqlite', filename: ':memory:' }],
    ['memory:', { kind: 'memory' }],
    ['postgres://u:p@localhost:5432/accord', { kind: 'postgres', url: 'postgres://u:p@localhost:5432/accord' }],
    ['postgresql://localhost/accord', { kind: 'postgres', url: 'postgresql://localhost/accord' }],
    ['kurrentdb://localhost:2113?tls=false', { kind: 'kurrentdb', url: 'kurrentdb://localhost:2113?tls=false' }],
    ['esdb+discover://a:2113,b:2113', { kind: 'kurrentdb', url: 'esdb+discover://a:2113,b:2113' }],
  ])('reads %s', (url, expected) => {
    expect(parseStoreUrl(url, '/srv/accord')).toEqual(expected);
  });

  it('defaults to the embedded SQLite file under ./data', () => {
    expect(parseStoreUrl(undefined, '/srv/accord')).toEqual({ kind: 'sqlite', filename: '/srv/accord/data/accord.db' });
  });

  it.each(['mysql://localhost/x', 'sqlite:', 'accord.db', ''])(
    'refuses %p with a message naming the choices',
    (url) => {
      expect(() => parseStoreUrl(url, '/srv')).toThrow(StoreUrlError);
    },
  );

  it('hides passwords in logs', () => {
    expect(redactStoreUrl('postgres://accord:s3cret@db:5432/accord')).toBe('postgres://accord:***@db:5432/accord');
    expect(redactStoreUrl('sqlite:./data/accord.db')).toBe('sqlite:./data/accord.db');
  });
});
