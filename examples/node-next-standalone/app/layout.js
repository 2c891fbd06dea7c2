import './menu.css';

export const metadata = { title: 'menu board' };

export default function Layout({ children }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
