/**
 * Mel scales. 'htk' (O'Shaughnessy / HTK, Kaldi, torchaudio's default): mel = 2595 log10(1 + f/700).
 * 'slaney' (Slaney's Auditory Toolbox, librosa's default): linear below 1 kHz (3 mels per
 * 200 Hz), logarithmic above (27 mels per factor 6.4), so 1000 Hz is 15 mels.
 */
export type MelScale = 'htk' | 'slaney';

const SLANEY_HZ_PER_MEL = 200 / 3;
const SLANEY_BREAK_HZ = 1000;
const SLANEY_BREAK_MEL = SLANEY_BREAK_HZ / SLANEY_HZ_PER_MEL; // 15
const SLANEY_LOG_STEP = Math.log(6.4) / 27;

export function hzToMel(hz: number, scale: MelScale): number {
  if (scale === 'htk') return 2595 * Math.log10(1 + hz / 700);
  return hz < SLANEY_BREAK_HZ ? hz / SLANEY_HZ_PER_MEL : SLANEY_BREAK_MEL + Math.log(hz / SLANEY_BREAK_HZ) / SLANEY_LOG_STEP;
}

export function melToHz(mel: number, scale: MelScale): number {
  if (scale === 'htk') return 700 * (10 ** (mel / 2595) - 1);
  return mel < SLANEY_BREAK_MEL ? mel * SLANEY_HZ_PER_MEL : SLANEY_BREAK_HZ * Math.exp(SLANEY_LOG_STEP * (mel - SLANEY_BREAK_MEL));
}
