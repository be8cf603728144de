import { signup } from './actions.js'

export default async function Page ({ searchParams }) {
  const { outcome } = await searchParams
  return (
    <main>
      <h1>Sign up</h1>
      {outcome && <p id='outcome'>{outcome}</p>}
      <form action={signup}>
        <input name='email' type='email' />
        {/* The Turnstile widget fills this field in; here the token is typed or posted. */}
        <input name='cf-turnstile-response' />
        <button type='submit'>Sign up</button>
      </form>
    </main>
  )
}
