//! Prometheus exposition for gwc's own admin `/metrics`: families of
//! samples summed from the per-worker counters at scrape time, written by
//! `prometheus-client`'s text encoder (OpenMetrics), the same encoder as
//! `telemetry/opentelemetry`'s exporter.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

/// A sample's labels, in order.
pub type Labels = Vec<(&'static str, String)>;

/// One sample's value.
#[derive(Debug)]
pub enum Value {
    /// A counter.
    Counter(u64),
    /// A gauge.
    Gauge(i64),
    /// A histogram: the sum, the count and each bucket's own count (not
    /// cumulative), `+Inf` last.
    Histogram {
        /// Sum of the observations.
        sum: f64,
        /// Number of observations.
        count: u64,
        /// (upper bound, observations in this bucket alone).
        buckets: Vec<(f64, u64)>,
    },
}

/// One metric family. A counter's `name` has no `_total`: the encoder
/// adds it to each sample.
#[derive(Debug)]
pub struct Family {
    /// The name.
    pub name: &'static str,
    /// The help line.
    pub help: &'static str,
    /// Counter, gauge or histogram.
    pub kind: MetricType,
    /// The samples.
    pub samples: Vec<(Labels, Value)>,
}

impl Family {
    /// An empty family.
    pub fn new(name: &'static str, kind: MetricType, help: &'static str) -> Self {
        Family {
            name,
            help,
            kind,
            samples: Vec::new(),
        }
    }

    /// Adds a sample.
    pub fn push(&mut self, labels: Labels, value: Value) {
        self.samples.push((labels, value));
    }
}

#[derive(Debug)]
struct Families(Vec<Family>);

impl Collector for Families {
    fn encode(&self, mut enc: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        for f in &self.0 {
            let mut m = enc.encode_descriptor(f.name, f.help, None, f.kind)?;
            for (labels, value) in &f.samples {
                let mut s = m.encode_family(labels)?;
                match value {
                    Value::Counter(n) => s.encode_counter::<NoLabelSet, u64, f64>(n, None)?,
                    Value::Gauge(n) => s.encode_gauge(n)?,
                    Value::Histogram {
                        sum,
                        count,
                        buckets,
                    } => s.encode_histogram::<NoLabelSet>(*sum, *count, buckets, None)?,
                }
            }
        }
        Ok(())
    }
}

/// The content type of [`encode`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The families as OpenMetrics text (ending with `# EOF`).
pub fn encode(families: Vec<Family>) -> String {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Families(families)));
    let mut out = String::with_capacity(4096);
    // Writing to a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
    out
}
