'use server'
import { redirect } from 'next/navigation'
import { verifyCaptchaForm } from 'captcha-native/next'
import { captchaOptions } from './captcha.js'

let options
/** The server action of the page's form: the outcome decides where the visitor lands. */
export async function signup (formData) {
  options ??= captchaOptions()
  const captcha = await verifyCaptchaForm(formData, options)
  // A real app would create the account here when captcha.ok.
  redirect(`/?outcome=${captcha.code}`)
}
