// One valid sensor reading as an MQTT payload, the i-th second after t0, for the fault tests that
// count what was stored (the temperature varies so rows are not all alike).
export function readingPayload(deviceId: string, t0: number, i: number): string {
  return JSON.stringify({
    device_id: deviceId,
    timestamp: new Date(t0 + i * 1000).toISOString(),
    temperature: 60 + (i % 10),
    pressure: 90,
    vibration: 2,
    humidity: 45,
    power: 30,
  });
}
