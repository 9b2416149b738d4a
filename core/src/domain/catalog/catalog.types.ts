/**
 * Types describing the shipped model catalog: which hosted fal.ai models a community can run, the
 * input each one accepts, what it returns and what it costs in credits (1 credit ≈ $0.01).
 */

export type ModelCategory = 'image' | 'video' | 'music' | '3d' | 'audio';

export type FileKind = 'image' | 'audio' | 'video' | 'archive';

/**
 * One input field of a model, named exactly as the fal endpoint names it.
 *
 * `required` mirrors fal: the request is invalid without a value. A required field that also has a
 * `default` may be omitted by the user; the default is sent instead.
 * File fields take the id (UUID) of an asset the user uploaded; the job layer swaps it for a URL.
 */
export type ModelField =
  | {
      name: string;
      type: 'text';
      label: string;
      required?: boolean;
      /** Lower bound where fal enforces one (e.g. MiniMax Music wants at least 10 characters). */
      minLength?: number;
      maxLength: number;
      default?: string;
      description?: string;
    }
  | {
      name: string;
      type: 'int';
      label: string;
      required?: boolean;
      min: number;
      max: number;
      default?: number;
      description?: string;
    }
  | {
      name: string;
      type: 'number';
      label: string;
      required?: boolean;
      min: number;
      max: number;
      default?: number;
      description?: string;
    }
  | {
      name: string;
      type: 'enum';
      label: string;
      required?: boolean;
      options: readonly string[];
      default?: string;
      description?: string;
    }
  | { name: string; type: 'bool'; label: string; required?: boolean; default?: boolean; description?: string }
  | {
      name: string;
      type: 'file';
      label: string;
      required?: boolean;
      fileKind: FileKind;
      description?: string;
    };

export type ModelFieldType = ModelField['type'];

/**
 * Multiplies the price when an input field has a given value, e.g. Veo 3 costs half as much with
 * `generate_audio: false`, Pika 2.2 costs 2.25x at `resolution: '1080p'`. All matching adjustments
 * apply (their factors multiply).
 */
export interface PriceAdjustment {
  field: string;
  equals: string | number | boolean;
  factor: number;
}

/**
 * How many credits a job costs. The final price is rounded up to a whole credit and is at least 1.
 * - flat: `credits` per job;
 * - per_output: `credits` x the value of an int field (e.g. `num_images`);
 * - per_second: `credits` x seconds, read from a field that holds a number or a string like "5s" / "5";
 * - per_1k_chars: `credits` x started 1,000 characters of a text field (TTS is billed per character).
 */
export type PriceRule =
  | { kind: 'flat'; credits: number; adjustments?: readonly PriceAdjustment[] }
  | { kind: 'per_output'; credits: number; countField: string; adjustments?: readonly PriceAdjustment[] }
  | { kind: 'per_second'; credits: number; durationField: string; adjustments?: readonly PriceAdjustment[] }
  | { kind: 'per_1k_chars'; credits: number; textField: string; adjustments?: readonly PriceAdjustment[] };

export type ModelOutput = 'images' | 'video' | 'audio' | 'model3d' | 'text';

export interface CatalogModel {
  /** Our stable id = the fal endpoint id, e.g. 'fal-ai/flux-1/schnell'. */
  id: string;
  /** fal endpoint id used for submission. */
  endpoint: string;
  category: ModelCategory;
  /** Human name, e.g. 'FLUX.1 [schnell]'. */
  name: string;
  /** One sentence a chat user understands. */
  description: string;
  /** Short names users type in chat: 'flux', 'schnell', 'sdxl', 'veo'... Unique across the catalog. */
  aliases: string[];
  /** The input schema; 'prompt' is a text field where the model takes one. */
  fields: readonly ModelField[];
  /** Names of the fields of type 'file' (derivable from `fields`, kept for convenience). */
  fileInputs: string[];
  /**
   * At least one of these fields must be given (e.g. ControlNet Union needs some control image, but
   * any of several). Optional.
   */
  requireOneOf?: readonly string[];
  /**
   * The endpoint takes `loras: [{ path, scale }]` with FLUX.1 [dev] LoRAs, i.e. what our trainer
   * (`LORA_TRAINING_MODEL`) produces. SDXL endpoints accept SDXL LoRAs only, so they say false here.
   */
  acceptsLoras: boolean;
  /** 'text' is for speech-to-text (Whisper), whose result is a transcript rather than a file. */
  output: ModelOutput;
  /**
   * Where the result lives in fal's response: a dot path, where `[]` means "each element of this
   * array". E.g. 'images[].url', 'video.url', 'audio_file.url', 'model_mesh.url', 'text'.
   */
  outputPath: string;
  price: PriceRule;
  enabled: boolean;
}

/**
 * A fal training endpoint. Not offered in the user-facing model list (no category, no aliases); the
 * LoRA flow calls it directly. Its result is a LoRA weights file at `outputPath`.
 */
export interface TrainingModel {
  id: string;
  endpoint: string;
  name: string;
  description: string;
  fields: readonly ModelField[];
  fileInputs: string[];
  output: 'lora';
  outputPath: string;
  price: PriceRule;
  enabled: boolean;
}
