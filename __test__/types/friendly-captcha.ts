// Type tests for Friendly Captcha, the drop-in for `@friendlycaptcha/server-sdk`: what its users
// write compiles, what they must not write does not. Compiled by `tsc -p __test__/types`, never run.

import {
  FriendlyCaptchaClient,
  VerifyResult,
  RiskIntelligenceRetrieveResult,
  FAILED_TO_ENCODE_ERROR_CODE,
  REQUEST_FAILED_ERROR_CODE,
  REQUEST_FAILED_TIMEOUT_ERROR_CODE,
  FAILED_DUE_TO_CLIENT_ERROR_CODE,
  FAILED_TO_DECODE_RESPONSE_ERROR_CODE,
  Emulator,
} from 'captcha-native'
import type {
  FriendlyCaptchaOptions,
  VerifyClientErrorCode,
  SiteverifyResponse,
  SiteverifyErrorResponseErrorData,
  APIErrorCode,
  RiskIntelligenceData,
  RiskScore,
  ClientErrorCode,
  RiskIntelligenceRetrieveResponse,
  RiskIntelligenceRetrieveErrorResponseErrorData,
  RiskIntelligenceTokenData,
} from 'captcha-native'
import * as subpath from 'captcha-native/friendly-captcha'

declare const token: string

export async function usage(): Promise<void> {
  const frcClient = new FriendlyCaptchaClient({ apiKey: 'key', sitekey: 'site', apiEndpoint: 'eu', strict: false })
  const result: VerifyResult = await frcClient.verifyCaptchaResponse(token)
  const accept: boolean = result.shouldAccept() && !result.shouldReject() && result.wasAbleToVerify()
  const flags: boolean[] = [result.isClientError(), result.isRequestOrTimeoutError(), result.isDecodeError(), result.isEncodeError(), result.isStrict()]
  const code: VerifyClientErrorCode | null = result.getErrorCode()
  const status: number = result.status
  const response: SiteverifyResponse | null = result.getResponse()
  if (response !== null && response.success) {
    const origin: string = response.data.challenge.origin
    const risk: RiskIntelligenceData | null = response.data.risk_intelligence
    const overall: RiskScore | undefined = risk?.risk_scores?.overall
    const browser: string | undefined = risk?.client.browser?.id
    void origin, overall, browser
  }
  const error: SiteverifyErrorResponseErrorData | null = result.getResponseError()
  const apiCode: APIErrorCode | undefined = error?.error_code
  await frcClient.verifyCaptchaResponse(token, { timeout: 5000, sitekey: 'other' })
  const endpoint: string = frcClient.getSiteverifyEndpoint()
  const codes: VerifyClientErrorCode[] = [FAILED_TO_ENCODE_ERROR_CODE, REQUEST_FAILED_ERROR_CODE, REQUEST_FAILED_TIMEOUT_ERROR_CODE, FAILED_DUE_TO_CLIENT_ERROR_CODE, FAILED_TO_DECODE_RESPONSE_ERROR_CODE]
  const options: FriendlyCaptchaOptions = { apiKey: 'key', siteverifyEndpoint: 'https://eu.frcapi.com', proxy: false, ca: ['pem'] }
  new subpath.FriendlyCaptchaClient(options)
  void accept, flags, code, status, apiCode, endpoint, codes

  // @ts-expect-error the API key is required
  new FriendlyCaptchaClient({ sitekey: 'site' })
  // @ts-expect-error fetch cannot be honoured natively
  new FriendlyCaptchaClient({ apiKey: 'key', fetch: globalThis.fetch })
  // @ts-expect-error strict is a boolean
  new FriendlyCaptchaClient({ apiKey: 'key', strict: 'yes' })
  // @ts-expect-error timeout is a number of milliseconds
  await frcClient.verifyCaptchaResponse(token, { timeout: '5000' })
  // @ts-expect-error getErrorCode gives the client's codes, not the API's
  const wrong: 'response_missing' = result.getErrorCode()
  void wrong

  const retrieved: RiskIntelligenceRetrieveResult = await frcClient.retrieveRiskIntelligence(token, { timeout: 5000, sitekey: 'other' })
  const retrievedFlags: boolean[] = [retrieved.wasAbleToRetrieve(), retrieved.isValid(), retrieved.isClientError()]
  const retrieveCode: ClientErrorCode | null = retrieved.clientErrorType
  const retrieveResponse: RiskIntelligenceRetrieveResponse | null = retrieved.getResponse()
  if (retrieveResponse !== null && retrieveResponse.success) {
    const tokenData: RiskIntelligenceTokenData = retrieveResponse.data.token
    const uses: number = tokenData.num_uses
    const overall: RiskScore | undefined = retrieveResponse.data.risk_intelligence.risk_scores?.overall
    void uses, overall
  }
  const retrieveError: RiskIntelligenceRetrieveErrorResponseErrorData | null = retrieved.getResponseError()
  const tokenCode: APIErrorCode | undefined = retrieveError?.error_code
  const fromSubpath: subpath.RiskIntelligenceRetrieveResult = new subpath.RiskIntelligenceRetrieveResult()
  void retrievedFlags, retrieveCode, tokenCode, fromSubpath
  // @ts-expect-error the retrieve result has no strict mode and no shouldAccept, as the SDK's
  retrieved.shouldAccept()
  // @ts-expect-error timeout is a number of milliseconds
  await frcClient.retrieveRiskIntelligence(token, { timeout: '5000' })

  const emulator = await Emulator.start({ friendlyCaptchaApiKey: 'k', friendlyCaptchaSitekey: 's' })
  emulator.issue('friendly-captcha', { origin: 'https://x', ageMs: 1, expiresInMs: 1000, singleUse: false, sitekey: 's', riskIntelligence: null })
  emulator.issue('friendly-captcha', { riskIntelligenceToken: true, maxUses: 3, expiresInMs: 900000 })
  // @ts-expect-error an unknown claim
  emulator.issue('friendly-captcha', { hostname: 'x' })
  const key: string = Emulator.identities['friendly-captcha'].apiKey
  void key
}
