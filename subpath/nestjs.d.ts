// `captcha-native/nestjs`: a NestJS guard, its module and its parameter decorator. Nest's types
// are imported as types only: captcha-native has no runtime dependency on Nest (this subpath
// loads @nestjs/common, which a Nest app has).
// @nestjs/common is an ES module; this file is read as CommonJS (the package is not "type": "module").
import type { CanActivate, DynamicModule, ExecutionContext, ModuleMetadata, Type } from '@nestjs/common' with { 'resolution-mode': 'import' }
import type { CaptchaOptions, CaptchaProvider, CaptchaOutcome as Outcome } from './middleware'

export { CaptchaConfigurationError } from './middleware'
export type { CaptchaOptions, CaptchaSkipped, CaptchaOutcomeCode } from './middleware'

/**
 * Every outcome of a check (`captcha-native/middleware`'s), named as the parameter decorator is:
 * `@CaptchaOutcome() captcha: CaptchaOutcome<'turnstile'> | CaptchaSkipped`.
 */
export type CaptchaOutcome<P extends CaptchaProvider = CaptchaProvider> = Outcome<P>

/** Each provider's options without `provider`, every one optional: a route's changes to the module's options. */
type Overrides<O> = O extends { provider: unknown } ? Partial<Omit<O, 'provider'>> & { provider?: undefined } : never

/**
 * Options merged over CaptchaModule's (when the guard is made, at startup): options without a
 * `provider`, say `{ expectedAction: 'signup' }`.
 */
export type CaptchaOverrides = Overrides<CaptchaOptions>

/** The guard `CaptchaGuard` makes: an injectable class Nest instantiates. */
export interface CaptchaGuardInstance extends CanActivate {
  canActivate(context: ExecutionContext): Promise<boolean>
}

/**
 * Makes the guard class, once per options object, for `@UseGuards(...)` on a route or a controller:
 * - `CaptchaGuard(options)` with a `provider`: these options alone, checked now (wrong ones throw
 *   at once) and one client built;
 * - `CaptchaGuard()`: CaptchaModule's options (one client for every such guard);
 * - `CaptchaGuard(overrides)` without a `provider`: merged over CaptchaModule's at startup.
 *
 * The guard reads the token from the body Nest parsed (JSON or urlencoded), sets
 * `request.captcha` (or `request[requestProperty]`) to the outcome and lets an `ok` one through.
 * Otherwise it throws an `HttpException` whose body is exactly `{ error: code }` with the
 * outcome's status (400, or 503 `provider_unavailable`); its `cause` is the outcome's error, for
 * logs. A misconfiguration is thrown as a `CaptchaConfigurationError`, which Nest's exception
 * filter answers `{ statusCode: 500, message: 'Internal Server Error' }` and logs.
 * @throws at once for wrong options given with a provider.
 */
export function CaptchaGuard(options?: CaptchaOptions | CaptchaOverrides): Type<CaptchaGuardInstance>

/** `@UseGuards(CaptchaGuard(options))` as one decorator, for a route or a controller. */
export function Captcha(options?: CaptchaOptions | CaptchaOverrides): MethodDecorator & ClassDecorator

/**
 * A handler parameter: the outcome of the route's CaptchaGuard (`verified`, `failed_open`, or
 * `skipped`: the others never reach the handler), wherever `requestProperty` put it.
 */
export function CaptchaOutcome(): ParameterDecorator

/** The injection token of CaptchaModule's options. */
export declare const CAPTCHA_OPTIONS: unique symbol

/** `CaptchaModule.forRoot`'s second argument. */
export interface CaptchaModuleExtras {
  /**
   * Default `true`: Nest makes a guard in the module of the controller it protects, so the
   * options must be visible there. With `false`, import CaptchaModule where the guards are.
   */
  global?: boolean
}

/** `CaptchaModule.forRootAsync`'s options: the module's options from a factory of injected providers. */
export interface CaptchaModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'>, CaptchaModuleExtras {
  useFactory: (...dependencies: any[]) => CaptchaOptions | Promise<CaptchaOptions>
  /** What the factory is given, in order (say `[ConfigService]`). */
  inject?: any[]
}

/** Provides the options of every `CaptchaGuard()`, `@Captcha()` and override without a provider. */
export declare class CaptchaModule {
  /** Checks `options` now: wrong ones throw at once. */
  static forRoot(options: CaptchaOptions, extras?: CaptchaModuleExtras): DynamicModule
  /** The options the factory resolves are checked when Nest calls it, at startup. */
  static forRootAsync(options: CaptchaModuleAsyncOptions): DynamicModule
}
