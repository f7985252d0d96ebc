export { DEFAULT_CONFIG_PATH, parseConfigFile } from './config-file';
export { closestName } from './did-you-mean';
export { ConfigFileError, type ConfigIssue, SettingsError } from './errors';
export { hubRepoIdProblem, hubRevisionProblem } from './hub-names';
export {
  type ActionInputs,
  actionInputNames,
  DEFAULT_REVISION_WAIT_MINUTES,
  type GetInput,
  readActionInputs,
  readRevisionWaitMinutes,
  readSecrets,
  type Secrets,
  type SetSecret,
  secretInputNames,
} from './inputs';
export {
  type ClusterSettings,
  type ResolvedSettings,
  resolveSettings,
  type SettingsOutcome,
  type SettingsSources,
} from './resolve';
export type { ConfigFile } from './schema';
