import assert from 'node:assert/strict';
import { PullEvent, PullProgress, PullProgressTally } from '../../src/docker/pullProgress';

function tallyAll(events: PullEvent[]): PullProgress[] {
  const tally = new PullProgressTally();
  return events.map((event) => tally.record(event)).filter((progress) => progress !== undefined);
}

const downloading = (id: string, current: number, total: number): PullEvent => ({ status: 'Downloading', id, progressDetail: { current, total } });

describe('pull progress: the engine per-layer lines as totals', () => {
  it('counts a layer when it appears and as done only when its pull is complete', () => {
    // As Docker Engine 20.10 sends them for a one-layer image.
    const reports = tallyAll([
      { status: 'Pulling from team/web', id: '2.0' },
      { status: 'Pulling fs layer', progressDetail: {}, id: 'a2a57fda3ffa' },
      downloading('a2a57fda3ffa', 139, 139),
      { status: 'Verifying Checksum', progressDetail: {}, id: 'a2a57fda3ffa' },
      { status: 'Download complete', progressDetail: {}, id: 'a2a57fda3ffa' },
      { status: 'Extracting', progressDetail: { current: 139, total: 139 }, id: 'a2a57fda3ffa' },
      { status: 'Pull complete', progressDetail: {}, id: 'a2a57fda3ffa' },
      { status: 'Digest: sha256:c114d16e918077efa2a35aa135191f0a3cdfcd25b7c19c994ea83557562b365e' },
      { status: 'Status: Downloaded newer image for 127.0.0.1:34351/team/web:2.0' },
    ]);
    assert.deepEqual(reports, [
      { layersDone: 0, layersTotal: 1, bytesDone: 0, bytesTotal: 0 },
      { layersDone: 0, layersTotal: 1, bytesDone: 139, bytesTotal: 139 },
      { layersDone: 1, layersTotal: 1, bytesDone: 139, bytesTotal: 139 },
    ]);
  });

  it('counts layers the engine already has as done, with no bytes', () => {
    const reports = tallyAll([
      { status: 'Pulling from team/app', id: '1' },
      { status: 'Already exists', progressDetail: {}, id: 'aaaaaaaaaaaa' },
      { status: 'Already exists', progressDetail: {}, id: 'bbbbbbbbbbbb' },
      { status: 'Pulling fs layer', progressDetail: {}, id: 'cccccccccccc' },
      downloading('cccccccccccc', 500, 2000),
      downloading('cccccccccccc', 2000, 2000),
      { status: 'Pull complete', progressDetail: {}, id: 'cccccccccccc' },
    ]);
    assert.deepEqual(reports.at(-1), { layersDone: 3, layersTotal: 3, bytesDone: 2000, bytesTotal: 2000 });
    assert.deepEqual(reports[1], { layersDone: 2, layersTotal: 2, bytesDone: 0, bytesTotal: 0 });
  });

  it('reports nothing for an image that is up to date, or for lines that are not about a layer', () => {
    assert.deepEqual(
      tallyAll([
        { status: 'Pulling from team/web', id: '127.0.0.1:5443/team/web@sha256:c114d16e918077efa2a35aa135191f0a3cdfcd25b7c19c994ea83557562b365e' },
        { status: 'Digest: sha256:c114d16e918077efa2a35aa135191f0a3cdfcd25b7c19c994ea83557562b365e' },
        { status: 'Status: Image is up to date for 127.0.0.1:5443/team/web:2.0' },
        { error: 'boom', errorDetail: { message: 'boom' } },
      ]),
      [],
    );
  });

  it('adds bytes across layers as each starts downloading, and never goes back when a download is retried', () => {
    const reports = tallyAll([
      { status: 'Pulling fs layer', progressDetail: {}, id: 'one' },
      { status: 'Pulling fs layer', progressDetail: {}, id: 'two' },
      { status: 'Waiting', progressDetail: {}, id: 'two' },
      downloading('one', 100, 1000),
      downloading('one', 600, 1000),
      { status: 'Retrying in 5 seconds', progressDetail: {}, id: 'one' },
      downloading('one', 50, 1000),
      downloading('two', 10, 300),
      downloading('one', 1000, 1000),
      { status: 'Download complete', progressDetail: {}, id: 'two' },
      { status: 'Pull complete', progressDetail: {}, id: 'one' },
      { status: 'Pull complete', progressDetail: {}, id: 'two' },
    ]);
    assert.deepEqual(reports, [
      { layersDone: 0, layersTotal: 1, bytesDone: 0, bytesTotal: 0 },
      { layersDone: 0, layersTotal: 2, bytesDone: 0, bytesTotal: 0 },
      { layersDone: 0, layersTotal: 2, bytesDone: 100, bytesTotal: 1000 },
      { layersDone: 0, layersTotal: 2, bytesDone: 600, bytesTotal: 1000 },
      // The retry's 50 of 1000 is not news.
      { layersDone: 0, layersTotal: 2, bytesDone: 610, bytesTotal: 1300 },
      { layersDone: 0, layersTotal: 2, bytesDone: 1010, bytesTotal: 1300 },
      { layersDone: 0, layersTotal: 2, bytesDone: 1300, bytesTotal: 1300 },
      { layersDone: 1, layersTotal: 2, bytesDone: 1300, bytesTotal: 1300 },
      { layersDone: 2, layersTotal: 2, bytesDone: 1300, bytesTotal: 1300 },
    ]);
  });

  it('counts a layer once however many lines name it', () => {
    const tally = new PullProgressTally();
    for (let i = 0; i < 3; i++) tally.record({ status: 'Waiting', id: 'same' });
    tally.record({ status: 'Pull complete', id: 'same' });
    tally.record({ status: 'Pull complete', id: 'same' });
    assert.deepEqual(tally.progress, { layersDone: 1, layersTotal: 1, bytesDone: 0, bytesTotal: 0 });
  });

  it('keeps counting when a second attempt at the same image starts over, a layer it finished now already there', () => {
    const tally = new PullProgressTally();
    for (const event of [{ status: 'Pulling fs layer', id: 'one' }, { status: 'Pulling fs layer', id: 'two' }, downloading('one', 100, 100), { status: 'Pull complete', id: 'one' }, downloading('two', 40, 200)]) {
      tally.record(event);
    }
    assert.deepEqual(tally.progress, { layersDone: 1, layersTotal: 2, bytesDone: 140, bytesTotal: 300 });

    const second = [{ status: 'Already exists', id: 'one' }, { status: 'Pulling fs layer', id: 'two' }, downloading('two', 10, 200), downloading('two', 200, 200), { status: 'Pull complete', id: 'two' }].map((event) => tally.record(event));

    assert.deepEqual(second, [undefined, undefined, undefined, { layersDone: 1, layersTotal: 2, bytesDone: 300, bytesTotal: 300 }, { layersDone: 2, layersTotal: 2, bytesDone: 300, bytesTotal: 300 }]);
  });

  it('counts the bytes of a layer that turns out to exist already as done', () => {
    const tally = new PullProgressTally();
    tally.record(downloading('one', 30, 100));
    tally.record({ status: 'Already exists', id: 'one' });
    assert.deepEqual(tally.progress, { layersDone: 1, layersTotal: 1, bytesDone: 100, bytesTotal: 100 });
  });
});
