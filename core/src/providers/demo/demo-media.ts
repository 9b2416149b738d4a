/**
 * Real, openable media for the offline demo provider (used when no FAL_KEY is configured).
 * Every output is visibly or explicitly labelled as demo output and is a pure function of its
 * options, so identical requests produce identical bytes.
 *
 * - renderDemoImage: PNG artwork with an "ATELIER DEMO OUTPUT" banner and the prompt text.
 * - renderDemoAudio: 22.05 kHz 16-bit mono WAV, a pentatonic tune or speech-like babble.
 * - renderDemoVideo: looping animated GIF of the artwork (<= 320px, <= 24 frames).
 * - renderDemoModel: binary glTF 2.0 (.glb) low-poly, vertex-coloured shape.
 */
export { type DemoVideoOptions, renderDemoVideo } from './gif';
export { type DemoModelOptions, renderDemoModel } from './glb';
export { type DemoImageOptions, renderDemoImage } from './image';
export { type DemoAudioOptions, renderDemoAudio } from './wav';
