// The bundled bin's stand-in for mem-fs-editor/dist/transform.js (see scripts/build.mjs).
// mem-fs-editor commits one file at a time: a stat, a mkdir, an open/write/close, each a round
// trip to libuv's thread pool, so writing a 140-file stack took ~150 ms, much of it idle. This
// version keeps up to LIMIT files in flight and passes each file on only once it is on disk, as
// the original does.
import { Transform } from 'node:stream';
import commitFileAsync from './actions/commit-file-async.js';

const LIMIT = 16;

export const createCommitTransform = () => {
  const inFlight = new Set();
  let failure;
  const settled = () => Promise.race(inFlight);
  return new Transform({
    objectMode: true,
    transform(file, _encoding, callback) {
      if (failure) return callback(failure);
      const done = commitFileAsync(file).then(
        () => this.push(file),
        (error) => { failure ??= error; },
      ).finally(() => inFlight.delete(done));
      inFlight.add(done);
      if (inFlight.size < LIMIT) return callback();
      settled().then(() => callback(failure));
    },
    flush(callback) {
      Promise.all(inFlight).then(() => callback(failure));
    },
  });
};
