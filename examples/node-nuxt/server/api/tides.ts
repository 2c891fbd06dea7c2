// The tide table the page renders: a Nitro API route (GET /api/tides).
export default defineEventHandler(() => [
  { kind: 'high', time: '04:12', metres: 5.1 },
  { kind: 'low', time: '10:31', metres: 0.9 },
  { kind: 'high', time: '16:40', metres: 5.3 },
  { kind: 'low', time: '22:58', metres: 0.7 },
])
