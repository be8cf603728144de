export const metadata = { title: 'captcha-native Next.js example' }

export default function RootLayout ({ children }) {
  return (
    <html lang='en'>
      <body>{children}</body>
    </html>
  )
}
