export { type EventGuardFacts, eventGuardFacts, guardEvent } from './event-guard';
export {
  type CollaboratorPermissionApi,
  decideGuard,
  type GuardDecision,
  type GuardFacts,
  guardRequest,
  needsPermissionCheck,
  TRIGGERING_PERMISSIONS,
} from './permission-guard';
