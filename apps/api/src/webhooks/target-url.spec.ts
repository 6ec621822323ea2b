import { checkTarget, isRefusedAddress, TargetRefusedError } from './target-url';

describe('webhook target addresses', () => {
  it.each([
    ['0.0.0.0'],
    ['10.0.0.1'],
    ['100.64.0.1'],
    ['100.127.255.254'],
    ['127.0.0.1'],
    ['127.255.0.9'],
    ['169.254.169.254'],
    ['172.16.0.1'],
    ['172.31.255.255'],
    ['192.168.1.1'],
    ['198.18.0.1'],
    ['224.0.0.1'],
    ['255.255.255.255'],
    ['::'],
    ['::1'],
    ['fc00::1'],
    ['fd12:3456::1'],
    ['fe80::1'],
    ['ff02::1'],
    ['::ffff:127.0.0.1'],
    ['::ffff:7f00:1'],
    ['::ffff:10.1.2.3'],
    ['64:ff9b::a9fe:a9fe'],
    ['not-an-address'],
  ])('refuses %s', (address) => expect(isRefusedAddress(address)).toBe(true));

  it.each([['8.8.8.8'], ['1.1.1.1'], ['100.128.0.1'], ['172.32.0.1'], ['2606:4700::1111'], ['::ffff:8.8.8.8']])(
    'allows %s',
    (address) => expect(isRefusedAddress(address)).toBe(false),
  );

  it('refuses other schemes, credentials and private literals, and allows them all but the scheme when told', async () => {
    await expect(checkTarget('ftp://example.org/', true)).rejects.toThrow(TargetRefusedError);
    await expect(checkTarget('http://u:p@example.org/', true)).rejects.toThrow(/credentials/);
    await expect(checkTarget('http://[::1]:8080/', false)).rejects.toThrow(/::1/);
    await expect(checkTarget('http://localhost/', false)).rejects.toThrow(TargetRefusedError);
    await expect(checkTarget('http://127.0.0.1:9/', true)).resolves.toBeInstanceOf(URL);
    await expect(checkTarget('https://8.8.8.8/hook', false)).resolves.toBeInstanceOf(URL);
  });
});
