// The architecture check (issue 14): every import between parts is a declared arrow (design or a named
// deviation), no never-rule is broken, and docs/parts.json names nothing that no longer exists. The
// figures (deviations, private imports, files over the size limit) are npm run check:arch's to print.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyse } from '../scripts/arch';

describe('architecture (docs/parts.json)', () => {
  const r = analyse(path.resolve(__dirname, '..'));
  it('every source file belongs to a part', () => expect(r.unassigned).toEqual([]));
  it('every arrow between parts is declared', () => expect(r.undeclared).toEqual([]));
  it('no never-rule is broken', () => expect(r.neverBroken).toEqual([]));
  it('the parts file names only arrows that exist', () => expect(r.stale).toEqual([]));
});
