import { DEFAULT_FAL_KEY, FalFake, imageOutput, TINY_PNG } from '../test/fakes/fal/fal-fake';

/**
 * The fal fake as its own process, so that its CPU is not counted as core's: every model answers at
 * once with a tiny PNG and sends its signed webhook. Prints `fal fake at <url>`; stops on SIGTERM.
 */
const fal = new FalFake();
await fal.start();
for (const model of ['fal-ai/flux-1/schnell', 'fal-ai/fast-sdxl']) {
  fal.setBehavior(model, { immediate: true, output: imageOutput(TINY_PNG) });
}
console.log(`fal fake at ${fal.url} (key ${DEFAULT_FAL_KEY.split(':')[0]})`);
process.on('SIGTERM', () => {
  void fal.close().then(() => process.exit(0));
});
