//! Five-field cron schedules: the grammar the model accepts (checked by the
//! `invalid-cron` rule) and when a schedule next fires, so every platform
//! reads `trigger: {cron: …}` the same way.
//!
//! Fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12),
//! day of week (0-7, both 0 and 7 are Sunday). Each is `*`, a number, a
//! range `a-b`, a list `a,b`, or any of these with a step `/n`. As in every
//! Unix cron, when both day fields are restricted a day matches either of
//! them; otherwise it must match both. Times are UTC.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};

const FIELDS: [(&str, u32, u32); 5] = [
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
];

/// A field of a cron schedule, in the order they are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CronField {
    /// Minutes, 0 to 59.
    Minute,
    /// Hours, 0 to 23.
    Hour,
    /// Days of the month, 1 to 31.
    DayOfMonth,
    /// Months, 1 to 12.
    Month,
    /// Days of the week, 0 (Sunday) to 6; a written 7 is Sunday too.
    DayOfWeek,
}

impl CronField {
    /// Every field, in the order a schedule writes them.
    pub const ALL: [CronField; 5] = [
        CronField::Minute,
        CronField::Hour,
        CronField::DayOfMonth,
        CronField::Month,
        CronField::DayOfWeek,
    ];

    /// The values the field can hold, least and greatest (day of week 0 to
    /// 6: a written 7 is read as 0).
    fn range(self) -> (u32, u32) {
        let (_, min, max) = FIELDS[self.index()];
        (min, if self == CronField::DayOfWeek { 6 } else { max })
    }

    fn index(self) -> usize {
        match self {
            CronField::Minute => 0,
            CronField::Hour => 1,
            CronField::DayOfMonth => 2,
            CronField::Month => 3,
            CronField::DayOfWeek => 4,
        }
    }
}

/// How [`Schedule::field_written`] writes a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// Unix cron; for a day field, whether it was written from `*`.
    Unix { star: Option<bool> },
    /// Amazon `EventBridge`: steps from the first value, weekdays from 1.
    EventBridge,
}

/// A parsed cron schedule.
///
/// Platforms that hand schedules to another scheduler (a cloud scheduler,
/// Kubernetes `CronJob`s) read its fields rather than the text:
///
/// ```
/// use datasurface_core::cron::{CronField, Schedule};
///
/// let schedule: Schedule = "*/20 9-17 * * 1-5".parse()?;
/// assert_eq!(schedule.values(CronField::Minute), [0, 20, 40]);
/// assert_eq!(schedule.values(CronField::DayOfWeek), [1, 2, 3, 4, 5]);
/// assert!(schedule.is_every(CronField::Month));
/// assert!(!schedule.is_every(CronField::Hour));
/// # Ok::<(), datasurface_core::cron::CronError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// One bit per allowed value of each field, in field order.
    bits: [u64; 5],
    /// Whether the day-of-month and day-of-week fields are `*`-based.
    any_day_of_month: bool,
    any_day_of_week: bool,
}

/// Why a cron expression does not parse: which field is wrong and why.
///
/// ```
/// use datasurface_core::cron::Schedule;
///
/// let error = "0 25 * * *".parse::<Schedule>().unwrap_err();
/// assert_eq!(error.to_string(), "the hour field `25` has `25`; use numbers from 0 to 23");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(transparent)]
pub struct CronError(#[from] CronErrorKind);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum CronErrorKind {
    #[error("it has {0} fields; cron needs 5 (minute hour day-of-month month day-of-week)")]
    FieldCount(usize),
    #[error("the {what} field `{field}` {problem}")]
    Field {
        what: &'static str,
        field: String,
        problem: PartProblem,
    },
}

/// What is wrong with one comma-separated part of a field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum PartProblem {
    #[error("has the step `/{0}`; a step is a positive number")]
    Step(String),
    #[error("has `{value}`; use numbers from {min} to {max}")]
    OutOfRange { value: String, min: u32, max: u32 },
    #[error("has the range `{0}`, which runs backwards")]
    Backwards(String),
}

impl std::str::FromStr for Schedule {
    type Err = CronError;

    /// Parses a schedule; on failure, says which field is wrong and why.
    fn from_str(expression: &str) -> Result<Self, CronError> {
        let fields: Vec<&str> = expression.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(CronErrorKind::FieldCount(fields.len()).into());
        }
        let mut bits = [0_u64; 5];
        for ((field, (what, min, max)), bits) in fields.iter().zip(FIELDS).zip(&mut bits) {
            for part in field.split(',') {
                *bits |= parse_part(part, min, max).map_err(|problem| CronErrorKind::Field {
                    what,
                    field: (*field).to_owned(),
                    problem,
                })?;
            }
        }
        // Sunday is both 0 and 7.
        if bits[4] & (1 << 7) != 0 {
            bits[4] = (bits[4] | 1) & !(1 << 7);
        }
        Ok(Schedule {
            bits,
            any_day_of_month: fields[2].starts_with('*'),
            any_day_of_week: fields[4].starts_with('*'),
        })
    }
}

/// The bits of one comma-separated part of a field.
fn parse_part(part: &str, min: u32, max: u32) -> Result<u64, PartProblem> {
    let (range, step) = match part.split_once('/') {
        Some((range, step)) => match step.parse::<u32>() {
            Ok(n) if n > 0 => (range, n),
            _ => return Err(PartProblem::Step(step.to_owned())),
        },
        None => (part, 1),
    };
    let number = |s: &str| -> Result<u32, PartProblem> {
        match s.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(PartProblem::OutOfRange {
                value: s.to_owned(),
                min,
                max,
            }),
        }
    };
    let (from, to) = if range == "*" {
        (min, max)
    } else if let Some((a, b)) = range.split_once('-') {
        let (a, b) = (number(a)?, number(b)?);
        if a > b {
            return Err(PartProblem::Backwards(range.to_owned()));
        }
        (a, b)
    } else {
        let n = number(range)?;
        // `n/step` runs from n to the field's end, as in Vixie cron.
        (n, if part.contains('/') { max } else { n })
    };
    Ok((from..=to)
        .step_by(usize::try_from(step).unwrap_or(usize::MAX))
        .fold(0, |bits, n| bits | (1 << n)))
}

impl Schedule {
    /// The values `field` allows, ascending (a day of the week written 7
    /// is 0, Sunday).
    pub fn values(&self, field: CronField) -> Vec<u32> {
        let (min, max) = field.range();
        (min..=max)
            .filter(|v| self.has(field.index(), *v))
            .collect()
    }

    /// Whether `field` allows every value, as `*` does.
    pub fn is_every(&self, field: CronField) -> bool {
        let (min, max) = field.range();
        (min..=max).all(|v| self.has(field.index(), v))
    }

    /// The field as cron text, in the shortest of the usual forms that
    /// keeps its meaning: `*`, `*/15`, `1-5`, `0,30`, `1-5,10`. Day of
    /// week uses 0 for Sunday. A day field keeps whether it was written
    /// from `*`, which decides how the two day fields combine
    /// ([`Schedule::days_match_either`]).
    pub fn field_text(&self, field: CronField) -> String {
        let star = match field {
            CronField::DayOfMonth => Some(self.any_day_of_month),
            CronField::DayOfWeek => Some(self.any_day_of_week),
            _ => None,
        };
        self.field_written(field, Form::Unix { star })
    }

    /// The schedule as five-field Unix cron text in that form, as
    /// Kubernetes `CronJob`s, Airflow and systemd-like schedulers read it:
    /// equal schedules give equal text, whatever was written.
    ///
    /// ```
    /// use datasurface_core::cron::Schedule;
    /// let schedule: Schedule = "0,15,30,45 9,10,11,12 * * 1,2,3,4,5".parse()?;
    /// assert_eq!(schedule.to_unix(), "*/15 9-12 * * 1-5");
    /// # Ok::<(), datasurface_core::cron::CronError>(())
    /// ```
    pub fn to_unix(&self) -> String {
        CronField::ALL
            .iter()
            .map(|f| self.field_text(*f))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The schedule as an Amazon `EventBridge` cron expression
    /// (`cron(minutes hours day-of-month month day-of-week year)`, in UTC):
    /// days of the week numbered 1 (Sunday) to 7, and `?` in the day field
    /// that does not decide. `None` when both day fields decide (as in
    /// `0 6 1 * 1`), which `EventBridge` cannot say: a platform reports that
    /// in its lint.
    ///
    /// ```
    /// use datasurface_core::cron::Schedule;
    /// let weekdays: Schedule = "*/20 9-17 * * 1-5".parse()?;
    /// assert_eq!(weekdays.to_eventbridge().as_deref(), Some("cron(0/20 9-17 ? * 2-6 *)"));
    /// let monthly: Schedule = "0 6 1 * *".parse()?;
    /// assert_eq!(monthly.to_eventbridge().as_deref(), Some("cron(0 6 1 * ? *)"));
    /// let either: Schedule = "0 6 1 * 1".parse()?;
    /// assert_eq!(either.to_eventbridge(), None);
    /// # Ok::<(), datasurface_core::cron::CronError>(())
    /// ```
    pub fn to_eventbridge(&self) -> Option<String> {
        let every_date = self.is_every(CronField::DayOfMonth);
        let every_weekday = self.is_every(CronField::DayOfWeek);
        let text = |f: CronField| self.field_written(f, Form::EventBridge);
        let (date, weekday) = if self.days_match_either() {
            // A day fires when either field allows it: only a field that
            // allows every day leaves something to say.
            if !(every_date || every_weekday) {
                return None;
            }
            ("*".to_owned(), "?".to_owned())
        } else if every_date {
            ("?".to_owned(), text(CronField::DayOfWeek))
        } else if every_weekday {
            (text(CronField::DayOfMonth), "?".to_owned())
        } else {
            return None;
        };
        Some(format!(
            "cron({} {} {date} {} {weekday} *)",
            text(CronField::Minute),
            text(CronField::Hour),
            text(CronField::Month)
        ))
    }

    /// The field's values written as `*`, a step, ranges and lists.
    fn field_written(&self, field: CronField, form: Form) -> String {
        let values = self.values(field);
        let (min, max) = field.range();
        // A day field that was not written from `*` must not become one,
        // and one that was must stay one.
        let star = match form {
            Form::Unix { star } => star,
            Form::EventBridge => None,
        };
        if self.is_every(field) && star != Some(false) {
            return "*".to_owned();
        }
        let step = match values[..] {
            [first, second, ..] if first == min => Some(second - first),
            [_] if star == Some(true) => Some(max - min + 1),
            _ => None,
        };
        if let Some(step) = step {
            let stepped: Vec<u32> = (min..=max)
                .step_by(usize::try_from(step).unwrap_or(usize::MAX))
                .collect();
            if (step > 1 || star == Some(true)) && values == stepped && star != Some(false) {
                return match form {
                    Form::Unix { .. } => format!("*/{step}"),
                    Form::EventBridge => format!("{min}/{step}"),
                };
            }
        }
        let shift = u32::from(form == Form::EventBridge && field == CronField::DayOfWeek);
        let mut parts: Vec<String> = Vec::new();
        let mut i = 0;
        while i < values.len() {
            let mut j = i;
            while j + 1 < values.len() && values[j + 1] == values[j] + 1 {
                j += 1;
            }
            let (a, b) = (values[i] + shift, values[j] + shift);
            match j - i {
                0 => parts.push(a.to_string()),
                1 => parts.extend([a.to_string(), b.to_string()]),
                _ => parts.push(format!("{a}-{b}")),
            }
            i = j + 1;
        }
        parts.join(",")
    }

    /// Whether a day fires when *either* day field allows it (both are
    /// restricted, as in `0 0 1 * 1`: the first of the month and every
    /// Monday) rather than when both do, as Unix cron reads them.
    pub fn days_match_either(&self) -> bool {
        !(self.any_day_of_month || self.any_day_of_week)
    }

    fn has(&self, field: usize, value: u32) -> bool {
        self.bits[field] & (1 << value) != 0
    }

    fn day_matches(&self, date: NaiveDate) -> bool {
        if !self.has(3, date.month()) {
            return false;
        }
        let by_month = self.has(2, date.day());
        let by_week = self.has(4, date.weekday().num_days_from_sunday());
        if self.any_day_of_month || self.any_day_of_week {
            by_month && by_week
        } else {
            by_month || by_week
        }
    }

    /// Whether the schedule fires at this minute.
    pub fn fires_at(&self, time: DateTime<Utc>) -> bool {
        self.day_matches(time.date_naive())
            && self.has(1, time.hour())
            && self.has(0, time.minute())
    }

    /// The first minute strictly after `time` at which the schedule fires;
    /// `None` if it never does (such as `0 0 31 2 *`, the 31st of February).
    pub fn next_after(&self, time: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start = time
            .with_second(0)
            .and_then(|t| t.with_nanosecond(0))
            .map(|t| t + Duration::minutes(1))?;
        let mut date = start.date_naive();
        // Every schedule that fires at all fires within eight years (the
        // 29th of February on a given weekday repeats within that).
        for _ in 0..366 * 8 {
            if self.day_matches(date) {
                let from = if date == start.date_naive() {
                    start.time()
                } else {
                    NaiveTime::MIN
                };
                if let Some(at) = self.first_time_from(from) {
                    return Some(Utc.from_utc_datetime(&date.and_time(at)));
                }
            }
            date = date.succ_opt()?;
        }
        None
    }

    /// The first firing time of a matching day at or after `from`.
    fn first_time_from(&self, from: NaiveTime) -> Option<NaiveTime> {
        for hour in from.hour()..24 {
            if !self.has(1, hour) {
                continue;
            }
            let first_minute = if hour == from.hour() {
                from.minute()
            } else {
                0
            };
            if let Some(minute) = (first_minute..60).find(|&m| self.has(0, m)) {
                return NaiveTime::from_hms_opt(hour, minute, 0);
            }
        }
        None
    }

    /// Every firing strictly after `time`, in order: the first `n` firings
    /// are `schedule.firings_after(t).take(n)`.
    pub fn firings_after(&self, time: DateTime<Utc>) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        std::iter::successors(self.next_after(time), |t| self.next_after(*t))
    }

    /// The time between firings when the schedule fires at evenly spaced
    /// times forever, for engines that take an interval rather than a cron
    /// expression (a connector's poll interval, a checkpoint interval):
    /// `*/15 * * * *` is 15 minutes, `0 */6 * * *` 6 hours, `30 2 * * *`
    /// a day, `0 9 * * 1` a week. `None` when the gaps differ (`0 9-17 * * *`,
    /// `*/7 * * * *` across the hour, `0 0 1 * *` across months).
    ///
    /// ```
    /// use chrono::Duration;
    /// use datasurface_core::cron::Schedule;
    ///
    /// let every = |e: &str| e.parse::<Schedule>().ok()?.fixed_interval();
    /// assert_eq!(every("*/15 * * * *"), Some(Duration::minutes(15)));
    /// assert_eq!(every("0 9 * * 1"), Some(Duration::weeks(1)));
    /// assert_eq!(every("0 9-17 * * *"), None);
    /// ```
    pub fn fixed_interval(&self) -> Option<Duration> {
        const DAY: i64 = 24 * 60;
        let full = |field: usize| {
            let (_, min, max) = FIELDS[field];
            (min..=max).all(|v| self.has(field, v) || (field == 4 && v == 7))
        };
        let weekdays = (0..7).filter(|d| self.has(4, *d)).count();
        let every_day = full(3)
            && if self.any_day_of_month || self.any_day_of_week {
                full(2) && full(4)
            } else {
                full(2) || full(4)
            };
        let weekly = full(3) && full(2) && self.any_day_of_month && weekdays == 1;
        if !every_day && !weekly {
            return None;
        }
        let times: Vec<i64> = (0..24)
            .filter(|h| self.has(1, *h))
            .flat_map(|h| {
                (0..60)
                    .filter(move |m| self.has(0, *m))
                    .map(move |m| i64::from(h * 60 + m))
            })
            .collect();
        match times.as_slice() {
            [] => None,
            [_] if weekly => Some(Duration::minutes(7 * DAY)),
            _ if weekly => None,
            [first, .., last] => {
                let gap = times[1] - first;
                let even =
                    times.windows(2).all(|w| w[1] - w[0] == gap) && first + DAY - last == gap;
                even.then(|| Duration::minutes(gap))
            }
            [_] => Some(Duration::minutes(DAY)),
        }
    }

    /// Whether the schedule fired in `(since, now]`: a job last started at
    /// `since` is due again at `now`.
    pub fn fired_between(&self, since: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.next_after(since).is_some_and(|next| next <= now)
    }
}

#[cfg(test)]
mod tests {
    use super::{CronField, Schedule};
    use chrono::{DateTime, Utc};
    use proptest::prelude::*;

    /// One field: `*`, a step, a range, or a list of values in `lo..=hi`.
    fn field(lo: u32, hi: u32) -> impl Strategy<Value = String> {
        prop_oneof![
            Just("*".to_owned()),
            (2..=hi.max(2)).prop_map(|step| format!("*/{step}")),
            (lo..=hi, lo..=hi).prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b))),
            proptest::collection::btree_set(lo..=hi, 1..5).prop_map(|set| {
                set.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            }),
        ]
    }

    proptest! {
        /// The Unix text of a schedule parses back to the same schedule,
        /// and is stable: written again, it is the same text.
        #[test]
        fn unix_text_reads_back_as_the_schedule(
            fields in (field(0, 59), field(0, 23), field(1, 31), field(1, 12), field(0, 6)),
        ) {
            let (m, h, dom, mon, dow) = fields;
            let text = format!("{m} {h} {dom} {mon} {dow}");
            let schedule: Schedule = text.parse().map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
            let unix = schedule.to_unix();
            let back: Schedule = unix.parse().map_err(|e| TestCaseError::fail(format!("{unix}: {e}")))?;
            prop_assert_eq!(back.to_unix(), unix.clone());
            for f in CronField::ALL {
                prop_assert_eq!(back.values(f), schedule.values(f), "{} -> {}", text, unix);
            }
            prop_assert_eq!(back.days_match_either(), schedule.days_match_either(), "{} -> {}", text, unix);
        }
    }

    /// A schedule's fields read back as the values they allow; Sunday is
    /// 0 however it was written; restricted day fields match either.
    #[test]
    fn fields_read_back_as_their_values() {
        let s: Schedule = "0 3 1,15 */3 7".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.values(CronField::Minute), [0]);
        assert_eq!(s.values(CronField::DayOfMonth), [1, 15]);
        assert_eq!(s.values(CronField::Month), [1, 4, 7, 10]);
        assert_eq!(s.values(CronField::DayOfWeek), [0]);
        assert!(s.days_match_either());
        let every: Schedule = "* * * * *".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(CronField::ALL.iter().all(|f| every.is_every(*f)));
        assert!(!every.days_match_either());
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map_or_else(|e| panic!("{text}: {e}"), |t| t.with_timezone(&Utc))
    }

    fn next(expression: &str, after: &str) -> Option<String> {
        let s: Schedule = expression.parse().unwrap_or_else(|e| panic!("{e}"));
        s.next_after(at(after))
            .map(|t| t.format("%Y-%m-%d %H:%M %a").to_string())
    }

    #[test]
    fn fixed_intervals() {
        let every = |e: &str| {
            e.parse::<Schedule>()
                .unwrap_or_else(|err| panic!("{err}"))
                .fixed_interval()
                .map(|d| d.num_minutes())
        };
        assert_eq!(every("* * * * *"), Some(1));
        assert_eq!(every("*/15 * * * *"), Some(15));
        assert_eq!(every("*/7 * * * *"), None);
        assert_eq!(every("0 */6 * * *"), Some(360));
        assert_eq!(every("0 */5 * * *"), None);
        assert_eq!(every("30 2 * * *"), Some(1440));
        assert_eq!(every("0 9 * * 1"), Some(7 * 1440));
        assert_eq!(every("0 9 * * 1,3"), None);
        assert_eq!(every("0 0 1 * *"), None);
        assert_eq!(every("0 0 * 2 *"), None);
        assert_eq!(every("0 0 1-31 * 1"), Some(1440));
        assert_eq!(every("0,30 * * * 0-7"), Some(30));
    }

    #[test]
    fn a_fixed_interval_is_the_gap_between_firings() {
        let start = at("2026-02-27T23:59:00Z");
        for e in ["*/20 * * * *", "15 */4 * * *", "5 1 * * *", "0 12 * * 7"] {
            let s: Schedule = e.parse().unwrap_or_else(|err| panic!("{err}"));
            let gap = s.fixed_interval().unwrap_or_else(|| panic!("{e}"));
            let firings: Vec<_> = s.firings_after(start).take(20).collect();
            assert!(firings.windows(2).all(|w| w[1] - w[0] == gap), "{e}");
        }
    }

    #[test]
    fn next_firing_times() {
        let cases = [
            ("* * * * *", "2026-11-21T10:15:30Z", "2026-11-21 10:16 Sat"),
            (
                "*/15 * * * *",
                "2026-11-21T10:15:00Z",
                "2026-11-21 10:30 Sat",
            ),
            ("0 3 * * *", "2026-11-21T03:00:00Z", "2026-11-22 03:00 Sun"),
            (
                "30 2 * * 1-5",
                "2026-11-21T00:00:00Z",
                "2026-11-23 02:30 Mon",
            ),
            ("0 0 1 * *", "2026-12-15T00:00:00Z", "2027-01-01 00:00 Fri"),
            ("0 12 * * 7", "2026-11-21T12:00:00Z", "2026-11-22 12:00 Sun"),
            ("0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29 00:00 Tue"),
            // Both day fields restricted: either matches (the 1st, or a Monday).
            ("0 9 1 * 1", "2026-11-24T09:00:00Z", "2026-11-30 09:00 Mon"),
            ("0 9 1 * 1", "2026-11-30T09:00:00Z", "2026-12-01 09:00 Tue"),
            (
                "5/20 8-9 * * *",
                "2026-11-21T08:45:00Z",
                "2026-11-21 09:05 Sat",
            ),
            (
                "59 23 31 12 *",
                "2026-12-31T23:59:00Z",
                "2027-12-31 23:59 Fri",
            ),
        ];
        for (expression, after, expected) in cases {
            assert_eq!(
                next(expression, after).as_deref(),
                Some(expected),
                "{expression} after {after}"
            );
        }
        assert_eq!(next("0 0 31 2 *", "2026-01-01T00:00:00Z"), None);
    }

    #[test]
    fn fired_between() {
        let s: Schedule = "0 * * * *".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(s.fired_between(at("2026-11-21T10:59:00Z"), at("2026-11-21T11:00:00Z")));
        assert!(!s.fired_between(at("2026-11-21T11:00:00Z"), at("2026-11-21T11:59:59Z")));
        assert!(s.fires_at(at("2026-11-21T11:00:42Z")));
        assert!(!s.fires_at(at("2026-11-21T11:01:00Z")));
    }

    #[test]
    fn grammar() {
        for ok in [
            "* * * * *",
            "*/15 * * * *",
            "0 3 * * 1-5",
            "0,30 8-18/2 1 1,6,12 0",
            "59 23 31 12 7",
            "5-10/5 * * * *",
        ] {
            assert!(ok.parse::<Schedule>().is_ok(), "{ok}");
        }
        for bad in [
            "",
            "* * * *",
            "* * * * * *",
            "60 * * * *",
            "* 24 * * *",
            "* * 0 * *",
            "* * * 13 *",
            "* * * * 8",
            "*/0 * * * *",
            "5-1 * * * *",
            "a * * * *",
            "1- * * * *",
        ] {
            assert!(bad.parse::<Schedule>().is_err(), "{bad}");
        }
    }
}
