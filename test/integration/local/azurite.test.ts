import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { azuriteBin, lokiBatchRemovals } from '../../../local/azurite.js';

/**
 * What Azurite's queue service does to its lokijs collections, run in a Node.js process with and without the batch
 * removal fix Azurite is started with: a queue with indexed fields, and removals of no, one, a few and many messages.
 * Answers what is left (by id, and found through each index) and how often an index was rebuilt by sorting.
 */
const removals = `
import { createRequire } from 'node:module';
const Loki = createRequire(process.argv[1])('lokijs');
const db = new Loki('queue.db');
const messages = db.addCollection('messages', { indices: ['queueName', 'visibleTime'] });
for (let i = 0; i < 400; i++) messages.insert({ id: i, queueName: i % 3 === 0 ? 'b' : 'a', visibleTime: 1000 - i, expiresAt: i });
let rebuilds = 0;
const ensureIndex = Loki.Collection.prototype.ensureIndex;
// Counts the sorts: a call for an index that is neither forced nor dirty returns at once.
Loki.Collection.prototype.ensureIndex = function (field, force) {
  if (force || this.binaryIndices[field]?.dirty) rebuilds++;
  return ensureIndex.call(this, field, force);
};
messages.remove(messages.chain().find({ expiresAt: { $lte: -1 } }).data());
messages.findAndRemove({ id: 7 });
messages.remove(messages.find({ queueName: 'b', visibleTime: { $gt: 940 } }));
messages.chain().find({ queueName: 'a', visibleTime: { $lte: 700 } }).remove();
messages.remove(messages.find({ visibleTime: { $lt: 900 } }));
const ids = (docs) => docs.map((d) => d.id).sort((x, y) => x - y);
console.log(JSON.stringify({
  left: ids(messages.find()),
  inB: ids(messages.find({ queueName: 'b' })),
  visibleBetween: ids(messages.find({ visibleTime: { $between: [900, 980] } })),
  rebuilds,
}));
`;

interface Removals {
  left: number[];
  inB: number[];
  visibleBetween: number[];
  rebuilds: number;
}

async function run(imports: string[]): Promise<Removals> {
  const { stdout } = await promisify(execFile)(process.execPath, [
    ...imports,
    '--input-type=module',
    '-e',
    removals,
    azuriteBin(),
  ]);
  return JSON.parse(stdout) as Removals;
}

describe('Azurite started with the lokijs batch-removal fix', () => {
  it('leaves the same messages as lokijs alone, found through every index, without re-sorting an index per removal', async () => {
    const [plain, fixed] = await Promise.all([run([]), run(['--import', lokiBatchRemovals(azuriteBin())])]);
    expect(fixed.left).toEqual(plain.left);
    expect(fixed.inB).toEqual(plain.inB);
    expect(fixed.visibleBetween).toEqual(plain.visibleBetween);
    // What the removals must leave: every id but 7, b's above visibleTime 940, a's at or under 700, all under 900.
    const expected = Array.from({ length: 400 }, (_, id) => id).filter((id) => {
      const queueName = id % 3 === 0 ? 'b' : 'a';
      const visibleTime = 1000 - id;
      return (
        id !== 7 &&
        !(queueName === 'b' && visibleTime > 940) &&
        !(queueName === 'a' && visibleTime <= 700) &&
        visibleTime >= 900
      );
    });
    expect(fixed.left).toEqual(expected);
    expect(fixed.visibleBetween).toEqual(expected.filter((id) => 1000 - id >= 900 && 1000 - id <= 980));
    expect(fixed.visibleBetween.length).toBeGreaterThan(0);
    // lokijs alone re-sorts both indexes after every batch removal, even an empty one.
    expect(plain.rebuilds).toBeGreaterThanOrEqual(8);
    // The fix removes small batches in place; only the batch of over 100 (those under 900) is re-sorted, as lokijs does.
    expect(fixed.rebuilds).toBe(2);
  });
});
