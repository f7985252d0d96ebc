import { z } from 'zod';

/**
 * The parts of a LightEval results file we rely on. Every version from 0.8 on writes the same six
 * top-level keys (`config_general, results, versions, config_tasks, summary_tasks, summary_general`);
 * we require the three we read and let the rest pass through.
 */

export const resultsFileSchema = z.object({
  config_general: z.looseObject({
    lighteval_sha: z.string().nullish(),
    model_name: z.string().nullish(),
    model_sha: z.string().nullish(),
    // A string in every version ("1234.56"), from `str(end_time - start_time)`.
    total_evaluation_time_secondes: z.union([z.string(), z.number()]).nullish(),
    start_time: z.number().nullish(),
    end_time: z.number().nullish(),
    // Only our LightEval stand-in writes this (true): its scores are not measurements.
    simulated: z.boolean().nullish(),
    // The sampling seed's two homes (release fact table, results.configGeneralKeys): the generation
    // parameters up to 0.10, the model config (with its generation parameters) from 0.11.
    generation_parameters: z.looseObject({ seed: z.number().nullish() }).nullish().catch(null),
    model_config: z
      .looseObject({ generation_parameters: z.looseObject({ seed: z.number().nullish() }).nullish() })
      .nullish()
      .catch(null),
  }),
  // Metric values are numbers (NaN included) in practice; anything else is reported as "no score".
  results: z.record(z.string(), z.record(z.string(), z.unknown())),
  versions: z.record(z.string(), z.unknown()),
  // Task configs differ a lot between versions; only the document counts are read, entry by entry.
  config_tasks: z.record(z.string(), z.unknown()).optional(),
});

export const taskConfigDocCountsSchema = z.looseObject({
  effective_num_docs: z.number().nullish(),
  original_num_docs: z.number().nullish(),
});

export type ResultsFileJson = z.infer<typeof resultsFileSchema>;
