/**
 * Demo audio: 16-bit PCM mono WAV synthesised from scratch. Music is a seeded pentatonic tune over
 * a simple bass line; "speech" is a babble of vowel-like tones, one burst per syllable of each
 * prompt word, so it has the rhythm of the prompt without pretending to be real TTS.
 */
import { clampNumber, createRng, hashString, normaliseSeed } from './seed';

export interface DemoAudioOptions {
  prompt: string;
  /** Clamped to 1..30; fractional seconds are allowed. */
  seconds: number;
  seed: number;
  kind: 'music' | 'speech';
}

export const AUDIO_SAMPLE_RATE = 22050;
export const MIN_AUDIO_SECONDS = 1;
export const MAX_AUDIO_SECONDS = 30;
const DEFAULT_AUDIO_SECONDS = 5;
const PEAK = 0.85; // headroom below full scale so players never clip

export function renderDemoAudio({ prompt, seconds, seed, kind }: DemoAudioOptions): Buffer {
  const duration = clampNumber(seconds, MIN_AUDIO_SECONDS, MAX_AUDIO_SECONDS, DEFAULT_AUDIO_SECONDS);
  const samples = new Float32Array(Math.round(duration * AUDIO_SAMPLE_RATE));
  // Mix the prompt into the seed so different prompts sound different even with the same seed.
  const mixedSeed = hashString(prompt, normaliseSeed(seed) ^ (kind === 'music' ? 0x6d75 : 0x7370));
  if (kind === 'speech') synthSpeech(samples, prompt, mixedSeed);
  else synthMusic(samples, mixedSeed);
  fadeEdges(samples);
  normalise(samples);
  return encodeWav(samples, AUDIO_SAMPLE_RATE);
}

/** Canonical 44-byte RIFF/WAVE header followed by little-endian int16 samples. */
export function encodeWav(samples: Float32Array, sampleRate: number): Buffer {
  const dataBytes = samples.length * 2;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4); // RIFF size excludes the 8-byte RIFF chunk header
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16); // PCM fmt chunk size
  out.writeUInt16LE(1, 20); // format: PCM
  out.writeUInt16LE(1, 22); // channels
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * 2, 28); // byte rate = rate * channels * bytesPerSample
  out.writeUInt16LE(2, 32); // block align
  out.writeUInt16LE(16, 34); // bits per sample
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i] ?? 0));
    out.writeInt16LE(Math.round(s * 32767), 44 + i * 2);
  }
  return out;
}

/** Attack/decay/release envelope for a note of `length` seconds, evaluated at time `t`. */
function envelope(t: number, length: number, attack: number, release: number): number {
  if (t < 0 || t > length) return 0;
  const rise = Math.min(1, t / attack);
  const fall = Math.min(1, (length - t) / release);
  const decay = 0.6 + 0.4 * Math.exp(-t * 6); // plucky: loud onset settling to a sustain level
  return rise * fall * decay;
}

/** Adds a sine-ish tone with a couple of harmonics (warmer than a bare sine) into `out`. */
function addNote(
  out: Float32Array,
  start: number,
  length: number,
  freq: number,
  gain: number,
  harmonics: readonly number[],
): void {
  const first = Math.max(0, Math.floor(start * AUDIO_SAMPLE_RATE));
  const last = Math.min(out.length, Math.ceil((start + length) * AUDIO_SAMPLE_RATE));
  for (let i = first; i < last; i++) {
    const t = i / AUDIO_SAMPLE_RATE - start;
    const env = envelope(t, length, 0.01, Math.min(0.08, length / 2));
    if (env === 0) continue;
    let v = 0;
    harmonics.forEach((amp, h) => {
      v += amp * Math.sin(2 * Math.PI * freq * (h + 1) * t);
    });
    out[i] = (out[i] ?? 0) + v * env * gain;
  }
}

const PENTATONIC = [0, 2, 4, 7, 9] as const;

function midiToHz(note: number): number {
  return 440 * 2 ** ((note - 69) / 12);
}

function synthMusic(out: Float32Array, seed: number): void {
  const rng = createRng(seed);
  const duration = out.length / AUDIO_SAMPLE_RATE;
  const bpm = 84 + Math.floor(rng() * 48);
  const eighth = 60 / bpm / 2;
  const root = 55 + Math.floor(rng() * 10); // G3..E4 keeps the melody in a comfortable register
  const scaleNote = (degree: number): number => {
    const octave = Math.floor(degree / PENTATONIC.length);
    const step = PENTATONIC[((degree % PENTATONIC.length) + PENTATONIC.length) % PENTATONIC.length] ?? 0;
    return root + 12 * octave + step;
  };

  // Melody: a bounded random walk over two octaves of the scale, in 1-4 eighth-note values.
  let degree = 5;
  for (let t = 0; t < duration; ) {
    const beats = [1, 1, 2, 2, 3, 4][Math.floor(rng() * 6)] ?? 1;
    const length = beats * eighth;
    if (rng() > 0.12) addNote(out, t, length * 0.95, midiToHz(scaleNote(degree)), 0.5, [1, 0.35, 0.12]);
    degree = Math.min(10, Math.max(0, degree + Math.floor(rng() * 5) - 2));
    t += length;
  }

  // Bass: root and fifth alternating every half bar, an octave down (low enough to read as bass,
  // high enough for laptop and phone speakers), softer and rounder than the melody.
  const bar = eighth * 8;
  for (let t = 0, i = 0; t < duration; t += bar / 2, i++) {
    const note = root - 12 + (i % 4 === 2 ? 7 : 0);
    addNote(out, t, (bar / 2) * 0.9, midiToHz(note), 0.3, [1, 0.2]);
  }
}

/** Approximate formants (F1, F2, F3 in Hz) of English vowels, indexed by the vowel letter. */
const VOWEL_FORMANTS: Record<string, readonly [number, number, number]> = {
  a: [730, 1090, 2440],
  e: [530, 1840, 2480],
  i: [270, 2290, 3010],
  o: [570, 840, 2410],
  u: [300, 870, 2240],
  y: [300, 2000, 2800],
};
const FORMANT_GAINS = [1, 0.6, 0.25] as const;
const FORMANT_BANDWIDTHS = [90, 110, 160] as const;

/** Harmonic amplitudes of a glottal buzz at `f0` shaped by resonances at `formants`. */
function harmonicAmplitudes(f0: number, formants: readonly [number, number, number]): Float32Array {
  const count = Math.max(1, Math.floor(3800 / f0));
  const amps = new Float32Array(count);
  for (let k = 1; k <= count; k++) {
    const f = k * f0;
    let a = 0;
    formants.forEach((formant, j) => {
      const x = (f - formant) / (FORMANT_BANDWIDTHS[j] ?? 100);
      a += (FORMANT_GAINS[j] ?? 0) / (1 + x * x);
    });
    amps[k - 1] = a / Math.sqrt(k); // natural spectral tilt of the voice source
  }
  return amps;
}

/** Splits a word into rough syllables: each chunk is a consonant onset plus a vowel group. */
function syllables(word: string): string[] {
  const chunks = word.toLowerCase().match(/[^aeiouy]*[aeiouy]+/g) ?? [];
  return chunks.length > 0 ? chunks : [word.toLowerCase()];
}

function synthSpeech(out: Float32Array, prompt: string, seed: number): void {
  const rng = createRng(seed);
  const duration = out.length / AUDIO_SAMPLE_RATE;
  const basePitch = 105 + rng() * 95; // somewhere between a low and a high speaking voice
  const words = prompt.split(/\s+/u).filter((w) => /\p{L}|\p{N}/u.test(w));
  if (words.length === 0) words.push('atelier', 'demo', 'output');

  let t = 0.15;
  for (const [wordIndex, word] of words.entries()) {
    const parts = syllables(word.replace(/[^\p{L}\p{N}]/gu, '') || 'a');
    for (const [partIndex, part] of parts.entries()) {
      const vowel = [...part].reverse().find((ch) => ch in VOWEL_FORMANTS) ?? 'a';
      const formants = VOWEL_FORMANTS[vowel] ?? [730, 1090, 2440];
      const onsetConsonant = !/^[aeiouy]/.test(part);
      const length = 0.11 + rng() * 0.08;
      if (t + length > duration - 0.05) return;
      // Declining pitch across a word (and a stressed first syllable) sounds sentence-like.
      const f0 = basePitch * (1 + 0.12 * (partIndex === 0 ? 1 : 0) - 0.03 * partIndex) * (0.95 + rng() * 0.1);
      if (onsetConsonant) addNoiseBurst(out, t, 0.035, rng);
      addVoicedSyllable(out, onsetConsonant ? t + 0.025 : t, length, f0, formants);
      t += length + (onsetConsonant ? 0.025 : 0);
    }
    // Pause between words, longer after punctuation, like phrasing.
    t += /[.,;:!?]$/.test(word) ? 0.28 : 0.07 + rng() * 0.05;
    if (wordIndex % 7 === 6) t += 0.12;
  }
}

function addVoicedSyllable(
  out: Float32Array,
  start: number,
  length: number,
  f0: number,
  formants: readonly [number, number, number],
): void {
  const amps = harmonicAmplitudes(f0, formants);
  const first = Math.max(0, Math.floor(start * AUDIO_SAMPLE_RATE));
  const last = Math.min(out.length, Math.ceil((start + length) * AUDIO_SAMPLE_RATE));
  let phase = 0;
  for (let i = first; i < last; i++) {
    const t = i / AUDIO_SAMPLE_RATE - start;
    const env = envelope(t, length, 0.015, 0.04);
    // Pitch falls ~8% across the syllable; integrate frequency so harmonics stay phase-coherent.
    phase += (2 * Math.PI * f0 * (1.04 - 0.08 * (t / length))) / AUDIO_SAMPLE_RATE;
    let v = 0;
    for (let k = 0; k < amps.length; k++) v += (amps[k] ?? 0) * Math.sin((k + 1) * phase);
    out[i] = (out[i] ?? 0) + v * env * 0.4;
  }
}

/** Short high-passed noise burst standing in for a consonant onset. */
function addNoiseBurst(out: Float32Array, start: number, length: number, rng: () => number): void {
  const first = Math.max(0, Math.floor(start * AUDIO_SAMPLE_RATE));
  const last = Math.min(out.length, Math.ceil((start + length) * AUDIO_SAMPLE_RATE));
  let previous = 0;
  for (let i = first; i < last; i++) {
    const t = i / AUDIO_SAMPLE_RATE - start;
    const noise = rng() * 2 - 1;
    const hiss = noise - previous; // first difference = crude high-pass, more "s" than rumble
    previous = noise;
    out[i] = (out[i] ?? 0) + hiss * 0.07 * Math.sin((Math.PI * t) / length);
  }
}

/** 10 ms fades at both ends so playback never starts or stops with a click. */
function fadeEdges(samples: Float32Array): void {
  const fade = Math.min(Math.floor(AUDIO_SAMPLE_RATE * 0.01), Math.floor(samples.length / 2));
  for (let i = 0; i < fade; i++) {
    const g = i / fade;
    samples[i] = (samples[i] ?? 0) * g;
    samples[samples.length - 1 - i] = (samples[samples.length - 1 - i] ?? 0) * g;
  }
}

function normalise(samples: Float32Array): void {
  let peak = 0;
  for (const s of samples) peak = Math.max(peak, Math.abs(s));
  if (peak === 0) return;
  const gain = PEAK / peak;
  for (let i = 0; i < samples.length; i++) samples[i] = (samples[i] ?? 0) * gain;
}
