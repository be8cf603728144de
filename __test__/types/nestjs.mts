// Type test: captcha-native/nestjs with Nest's own types and real decorators, under strict mode.
// Never run.
import { Controller, Injectable, Module, Post, UseGuards } from '@nestjs/common'
import {
  Captcha,
  CaptchaConfigurationError,
  CaptchaGuard,
  CaptchaModule,
  CaptchaOutcome,
  CAPTCHA_OPTIONS,
  type CaptchaOptions,
  type CaptchaOutcome as Outcome,
  type CaptchaSkipped,
} from 'captcha-native/nestjs'

@Injectable()
class ConfigService {
  get(name: string): string {
    return name
  }
}

@Module({ providers: [ConfigService], exports: [ConfigService] })
class ConfigModule {}

@Controller('forms')
class FormsController {
  @Post('signup')
  @UseGuards(CaptchaGuard({ provider: 'turnstile', secret: 's', expectedAction: 'signup', onUnavailable: 'allow' }))
  signup(@CaptchaOutcome() captcha: Outcome<'turnstile'> | CaptchaSkipped) {
    if (captcha.code === 'verified') return { hostname: captcha.result.hostname }
    return { code: captcha.code, failedOpen: captcha.failedOpen }
  }

  @Post('login')
  @Captcha({ expectedAction: 'login' })
  login(@CaptchaOutcome() captcha: Outcome) {
    return captcha.code
  }

  @Post('comment')
  @UseGuards(CaptchaGuard())
  comment() {}
}

@Controller('tenants')
@Captcha({ provider: 'hcaptcha', secret: (request) => String(request.headers?.['x-tenant']), requestProperty: 'bot' })
class TenantsController {}

@Module({
  imports: [
    CaptchaModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService): CaptchaOptions => ({ provider: 'turnstile', secret: config.get('TURNSTILE_SECRET') }),
    }),
  ],
  controllers: [FormsController, TenantsController],
})
export class AppModule {}

CaptchaModule.forRoot({ provider: 'recaptcha', secretKey: 's', minScore: 0.5 }, { global: false })
const token: symbol = CAPTCHA_OPTIONS
console.log(token, new CaptchaConfigurationError(new Error('x')).statusCode)

// @ts-expect-error an unknown provider
CaptchaGuard({ provider: 'nope' })
// @ts-expect-error an option turnstile does not take
CaptchaGuard({ provider: 'turnstile', secret: 's', maxScore: 0.5 })
