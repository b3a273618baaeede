export { runHook, HOOK_USER_AGENT, type HookOutcome, type HookTarget } from './run-hook.ts';
export { killContainer } from './kill-container.ts';
export { runPostStart } from './post-start.ts';
