'use client';

import { useState } from 'react';

// client code: its chunk is served from /_next/static/chunks/
export default function Counter() {
  const [n, setN] = useState(0);
  return <button onClick={() => setN(n + 1)}>orders {n}</button>;
}
