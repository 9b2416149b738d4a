const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const day = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const integer = new Intl.NumberFormat();

export const formatDateTime = (d: Date | string) => dateTime.format(new Date(d));
export const formatDay = (d: Date | string) => day.format(new Date(d));
export const formatNumber = (n: number) => integer.format(n);
export const formatCredits = (n: number) =>
  `${integer.format(n)} ${Math.abs(n) === 1 ? 'credit' : 'credits'}`;

/** Money in minor units (cents) as the currency shows it, e.g. 500 USD -> $5.00. */
export function formatMoney(minor: number, currency: string): string {
  const code = currency.toUpperCase();
  const digits =
    new Intl.NumberFormat(undefined, { style: 'currency', currency: code }).resolvedOptions()
      .maximumFractionDigits ?? 2;
  return new Intl.NumberFormat(undefined, { style: 'currency', currency: code }).format(minor / 10 ** digits);
}

export const CATEGORY_LABELS: Record<string, string> = {
  image: 'Image',
  video: 'Video',
  music: 'Music',
  '3d': '3D',
  audio: 'Audio & voice',
};

/** Why a gallery item was reported (core's report categories). */
export const REPORT_REASON_LABELS: Record<string, string> = {
  sexual: 'Sexual content',
  violence: 'Violence',
  hate: 'Hate',
  illegal: 'Illegal',
  spam: 'Spam',
  other: 'Other',
};
