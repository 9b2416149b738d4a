import { describe, expect, it } from 'vitest';
import { seal, unseal } from './seal';

const SECRET = 'core-secret-for-tests';

describe('sealed secrets', () => {
  it('opens with the same secret, purpose and context, and hides the plaintext', () => {
    const sealed = seal(SECRET, 'slack-installation', 'T:T123', '{"bot":{"token":"xoxb-1"}}');
    expect(sealed).not.toContain('xoxb');
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(unseal(SECRET, 'slack-installation', 'T:T123', sealed)).toBe('{"bot":{"token":"xoxb-1"}}');
    expect(seal(SECRET, 'slack-installation', 'T:T123', 'same')).not.toBe(
      seal(SECRET, 'slack-installation', 'T:T123', 'same'),
    );
  });

  it('refuses another secret, another purpose, another row’s context, and any altered byte', () => {
    const sealed = seal(SECRET, 'slack-installation', 'T:T123', 'token');
    expect(unseal('another-secret', 'slack-installation', 'T:T123', sealed)).toBeNull();
    expect(unseal(SECRET, 'billing', 'T:T123', sealed)).toBeNull();
    expect(unseal(SECRET, 'slack-installation', 'T:T999', sealed)).toBeNull();
    const [version, iv, ciphertext, tag] = sealed.split('.') as [string, string, string, string];
    const flipped = `${ciphertext.slice(0, -1)}${ciphertext.endsWith('A') ? 'B' : 'A'}`;
    expect(unseal(SECRET, 'slack-installation', 'T:T123', [version, iv, flipped, tag].join('.'))).toBeNull();
    expect(unseal(SECRET, 'slack-installation', 'T:T123', 'not sealed at all')).toBeNull();
  });
});
