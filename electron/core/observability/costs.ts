// Cost of a model call from a configurable price table (USD per million tokens). A model missing
// from the table costs 0: local models are free to run, and a guessed price would be worse than none.
export interface PriceEntry {
  inputPer1M: number;
  outputPer1M: number;
}

export function costOf(prices: Record<string, PriceEntry>, model: string, inputTokens: number, outputTokens: number): number {
  const p = prices[model] ?? prices[model.split(':')[0] ?? model];
  if (!p) return 0;
  return (inputTokens * p.inputPer1M + outputTokens * p.outputPer1M) / 1_000_000;
}
