//! Proptest strategies that generate arbitrary models.
//!
//! The models are well-formed (every name is valid, every document parses)
//! but not necessarily valid: references may dangle and policies may clash.
//! They exercise the file formats; test kits use them as raw material.

#![allow(
    clippy::wildcard_imports,
    reason = "a strategy for every model type needs every model type"
)]

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

use datasurface_core::capture::{
    Cdc, CdcStart, FileDrop, FileFormat, Kafka, SqlSnapshot, SqlWatermark,
};
use datasurface_core::container::{
    Database, Encryption, HostPort, KafkaCluster, Lakehouse, ObjectStorage, TableFormat,
};
use datasurface_core::names::*;
use datasurface_core::types::*;
use datasurface_core::workspace::{BuiltinTransformer, PythonCode, PythonRepoCode, SqlCode};
use datasurface_core::*;

/// Text as people write it, including the awkward cases YAML must quote.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-z][A-Za-z0-9 ,.]{0,24}",
        1 => "\\PC{0,16}",
        1 => Just(String::new()),
        1 => prop_oneof![
            Just("true".to_owned()),
            Just("null".to_owned()),
            Just("~".to_owned()),
            Just("0123".to_owned()),
            Just("1e3".to_owned()),
            Just("- item".to_owned()),
            Just("key: value".to_owned()),
            Just("# not a comment".to_owned()),
            Just(" leading and trailing ".to_owned()),
            Just("line one\nline two\n".to_owned()),
            Just("quote ' and \" and \\ backslash".to_owned()),
            Just("tab\tinside".to_owned()),
        ],
    ]
}

fn sql_name() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9_]{0,10}".prop_filter("reserved word", |s| {
        NameRule::SqlIdentifier.check(s).is_ok()
    })
}

fn display_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-z][A-Za-z0-9 _.-]{0,10}[A-Za-z0-9]",
        1 => "[A-Za-z]{1,3}[ éüß中]{0,2}[a-z]",
        1 => Just("true".to_owned()),
        1 => Just("123".to_owned()),
    ]
    .prop_filter("display rule", |s| NameRule::Display.check(s).is_ok())
}

macro_rules! name_strategy {
    ($fn_name:ident, $ty:ty, $base:expr) => {
        /// Valid names of this type.
        pub fn $fn_name() -> impl Strategy<Value = $ty> {
            $base.prop_map(|s| <$ty>::new(s).expect("the strategy only makes valid names"))
        }
    };
}

name_strategy!(ecosystem_name, EcosystemName, display_name());
name_strategy!(zone_name, ZoneName, display_name());
name_strategy!(team_name, TeamName, display_name());
name_strategy!(vendor_name, VendorName, display_name());
name_strategy!(location_name, LocationName, display_name());
name_strategy!(platform_name, PlatformName, display_name());
name_strategy!(container_name, ContainerName, display_name());
name_strategy!(policy_name, PolicyName, display_name());
name_strategy!(
    credential_name,
    CredentialName,
    "[A-Za-z][A-Za-z0-9_.-]{0,20}"
);
name_strategy!(datastore_name, DatastoreName, sql_name());
name_strategy!(dataset_name, DatasetName, sql_name());
name_strategy!(column_name, ColumnName, sql_name());
name_strategy!(workspace_name, WorkspaceName, sql_name());
name_strategy!(dataset_group_name, DatasetGroupName, sql_name());
name_strategy!(
    repository_name,
    RepositoryName,
    "[a-z][a-z0-9-]{0,6}[a-z0-9]/[A-Za-z0-9_.]{1,8}".prop_filter("no ..", |s| !s.contains(".."))
);
name_strategy!(
    branch_name,
    BranchName,
    "[a-z][a-z0-9-]{0,6}(/[a-z0-9]{1,4})?"
);
name_strategy!(platform_kind, PlatformKind, "[a-z][a-z0-9-]{0,8}");
name_strategy!(environment_name, EnvironmentName, "[a-z][a-z0-9-]{0,8}");

fn map<K: std::hash::Hash + Eq + std::fmt::Debug, V: std::fmt::Debug>(
    keys: impl Strategy<Value = K>,
    values: impl Strategy<Value = V>,
    max: usize,
) -> impl Strategy<Value = OrderedMap<K, V>> {
    vec((keys, values), 0..=max).prop_map(|pairs| pairs.into_iter().collect())
}

/// Documentation.
pub fn documentation() -> impl Strategy<Value = Documentation> {
    (text(), option::of(text()), map(text(), text(), 2)).prop_map(
        |(description, markdown, tags)| Documentation {
            description,
            markdown,
            tags,
        },
    )
}

fn docs() -> impl Strategy<Value = Option<Documentation>> {
    option::weighted(0.3, documentation())
}

fn deprecation() -> impl Strategy<Value = Deprecation> {
    prop_oneof![
        3 => Just(Deprecation::default()),
        1 => option::of(text()).prop_map(|reason| Deprecation { status: DeprecationStatus::Deprecated, reason }),
    ]
}

fn production_status() -> impl Strategy<Value = ProductionStatus> {
    prop_oneof![
        Just(ProductionStatus::Production),
        Just(ProductionStatus::NotProduction)
    ]
}

/// Repositories.
pub fn repository() -> impl Strategy<Value = Repository> {
    (
        prop_oneof![Just(RepositoryHost::Github), Just(RepositoryHost::Gitlab)],
        option::weighted(
            0.2,
            prop_oneof![
                Just("https://git.example.com"),
                Just("http://10.1.2.3:8080/gitlab"),
            ]
            .prop_filter_map("a server URL", |url| ServerUrl::new(url).ok()),
        ),
        repository_name(),
        branch_name(),
        option::weighted(0.2, credential_name()),
    )
        .prop_map(|(host, url, name, branch, credential)| Repository {
            host,
            url,
            name,
            branch,
            credential,
        })
}

/// Location references.
pub fn location_ref() -> impl Strategy<Value = LocationRef> {
    (vendor_name(), vec(location_name(), 1..3))
        .prop_map(|(vendor, path)| LocationRef { vendor, path })
}

fn cloud_vendor() -> impl Strategy<Value = CloudVendor> {
    prop_oneof![
        Just(CloudVendor::Aws),
        Just(CloudVendor::Azure),
        Just(CloudVendor::Gcp),
        Just(CloudVendor::AwsChina),
        Just(CloudVendor::TenCent),
        Just(CloudVendor::Private),
    ]
}

fn location() -> impl Strategy<Value = InfrastructureLocation> {
    let leaf = docs().prop_map(|documentation| InfrastructureLocation {
        documentation,
        locations: OrderedMap::default(),
    });
    leaf.prop_recursive(2, 6, 3, |inner| {
        (docs(), map(location_name(), inner, 3)).prop_map(|(documentation, locations)| {
            InfrastructureLocation {
                documentation,
                locations,
            }
        })
    })
}

fn vendor() -> impl Strategy<Value = InfrastructureVendor> {
    (
        option::of(cloud_vendor()),
        docs(),
        map(location_name(), location(), 3),
    )
        .prop_map(
            |(hard_cloud_vendor, documentation, locations)| InfrastructureVendor {
                hard_cloud_vendor,
                documentation,
                locations,
            },
        )
}

/// Data classifications.
pub fn classification() -> impl Strategy<Value = DataClassification> {
    (
        proptest::sample::select(ClassificationKind::ALL.to_vec()),
        option::weighted(0.3, "[a-z][a-z ]{0,6}[a-z]"),
    )
        .prop_map(|(kind, name)| DataClassification { kind, name })
}

fn allow_deny<T: std::fmt::Debug + Clone + PartialEq, S: Strategy<Value = T>>(
    item: fn() -> S,
) -> impl Strategy<Value = AllowDenyPolicy<T>> {
    (vec(item(), 0..3), vec(item(), 0..2), docs()).prop_map(|(allowed, denied, documentation)| {
        AllowDenyPolicy {
            allowed,
            denied,
            documentation,
        }
    })
}

fn storage_policy() -> impl Strategy<Value = StoragePolicy> {
    (
        prop_oneof![
            Just(PolicyMandate::MandatedWithinZone),
            Just(PolicyMandate::IndividuallyMandated)
        ],
        allow_deny(container_name),
        deprecation(),
        docs(),
    )
        .prop_map(
            |(mandate, containers, deprecation, documentation)| StoragePolicy {
                mandate,
                containers,
                deprecation,
                documentation,
            },
        )
}

fn text_params() -> impl Strategy<Value = Text> {
    (
        option::of(1u32..5000),
        option::weighted(0.2, Just("en_US.utf8".to_owned())),
    )
        .prop_map(|(max_size, collation)| Text {
            max_size,
            collation,
        })
}

fn float_format() -> impl Strategy<Value = FloatFormat> {
    (
        1u16..300,
        0u16..250,
        -300i32..300,
        -300i32..300,
        any::<(bool, bool)>(),
        prop_oneof![
            Just(NonFiniteBehavior::Ieee754),
            Just(NonFiniteBehavior::NanOnly),
            Just(NonFiniteBehavior::FiniteOnly)
        ],
        prop_oneof![
            Just(NanEncoding::Ieee),
            Just(NanEncoding::AllOnes),
            Just(NanEncoding::NegativeZero)
        ],
    )
        .prop_map(
            |(
                bits,
                precision,
                max_exponent,
                min_exponent,
                (subnormals, signed),
                non_finite,
                nan_encoding,
            )| FloatFormat {
                bits,
                precision,
                max_exponent,
                min_exponent,
                subnormals,
                signed,
                non_finite,
                nan_encoding,
            },
        )
}

fn scalar_type() -> impl Strategy<Value = DataType> {
    prop_oneof![
        Just(DataType::Boolean),
        Just(DataType::TinyInt),
        Just(DataType::SmallInt),
        Just(DataType::Integer),
        Just(DataType::BigInt),
        (1u16..256, any::<bool>())
            .prop_map(|(bits, signed)| DataType::FixedInteger(FixedInteger { bits, signed })),
        (1u32..38, 0u32..10)
            .prop_map(|(precision, scale)| DataType::Decimal(Decimal { precision, scale })),
        proptest::sample::select(
            DataType::NAMED_FLOATS
                .into_iter()
                .chain([DataType::Date, DataType::Interval])
                .collect::<Vec<_>>()
        ),
        float_format().prop_map(DataType::CustomFloat),
        text_params().prop_map(DataType::Char),
        text_params().prop_map(DataType::NChar),
        text_params().prop_map(DataType::VarChar),
        text_params().prop_map(DataType::NVarChar),
        text_params().prop_map(DataType::String),
        option::of(Just("Europe/Paris".to_owned()))
            .prop_map(|time_zone| DataType::Timestamp(Timestamp { time_zone })),
        option::of(1u32..1_000_000).prop_map(|max_size| DataType::Variant(Bounded { max_size })),
        option::of(1u32..1_000_000).prop_map(|max_size| DataType::Binary(Bounded { max_size })),
        (1u32..4096).prop_map(|dimensions| DataType::Vector(Vector { dimensions })),
        (
            prop_oneof![Just(4326u32), 0u32..10_000],
            prop_oneof![Just("WGS84".to_owned()), Just("NAD83".to_owned())],
            option::of(Just(GeometryType::Polygon)),
            option::of(1u32..10_000),
        )
            .prop_map(
                |(srid, srs_name, geometry_type, max_size)| DataType::Geography(Box::new(
                    Geography {
                        srid,
                        srs_name,
                        geometry_type,
                        max_size
                    }
                ))
            ),
    ]
}

/// Data types, nested up to two levels.
pub fn data_type() -> impl Strategy<Value = DataType> {
    scalar_type().prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            (inner.clone(), option::of(1u32..100)).prop_map(|(t, max_size)| DataType::Array(
                Array {
                    element_type: Box::new(t),
                    max_size
                }
            )),
            (inner.clone(), inner.clone()).prop_map(|(k, v)| DataType::Map(
                datasurface_core::types::Map {
                    key_type: Box::new(k),
                    value_type: Box::new(v)
                }
            )),
            map(
                column_name(),
                (inner.clone(), any::<bool>()).prop_map(|(t, nullable)| Column {
                    nullable,
                    ..Column::new(t)
                }),
                3
            )
            .prop_map(|fields| DataType::Struct(Box::new(Struct { fields }))),
            (1u32..64, inner.clone(), inner).prop_map(|(batch_size, s, e)| DataType::MicroScaling(
                MicroScaling {
                    batch_size,
                    scale_type: Box::new(s),
                    element_type: Box::new(e),
                }
            )),
        ]
    })
}

fn column() -> impl Strategy<Value = Column> {
    (
        data_type(),
        any::<bool>(),
        vec(classification(), 0..2),
        docs(),
    )
        .prop_map(
            |(data_type, nullable, classifications, documentation)| Column {
                data_type,
                nullable,
                classifications,
                documentation: documentation.map(Box::new),
            },
        )
}

/// Schemas.
pub fn schema() -> impl Strategy<Value = Schema> {
    (
        map(column_name(), column(), 4),
        vec(column_name(), 0..2),
        vec(column_name(), 0..2),
        docs(),
    )
        .prop_map(
            |(columns, primary_key, partition_keys, documentation)| Schema {
                columns,
                primary_key,
                partition_keys,
                avro: None,
                documentation: documentation.map(Box::new),
            },
        )
}

/// A dataset: a schema, classifications, policies, a version.
pub fn dataset() -> impl Strategy<Value = Dataset> {
    (
        schema(),
        option::weighted(0.3, vec(classification(), 0..3)),
        vec(policy_name(), 0..2),
        deprecation(),
        option::of(
            (0u64..5, 0u64..20, 0u64..20).prop_map(|(a, b, c)| semver::Version::new(a, b, c)),
        ),
        docs(),
        any::<bool>(),
    )
        .prop_map(
            |(
                schema,
                classifications,
                storage_policies,
                deprecation,
                version,
                documentation,
                allow_empty_snapshot,
            )| {
                let mut dataset = Dataset::new(schema);
                dataset.classifications = classifications;
                dataset.storage_policies = storage_policies;
                dataset.deprecation = deprecation;
                dataset.version = version;
                dataset.allow_empty_snapshot = allow_empty_snapshot;
                dataset.documentation = documentation.map(Box::new);
                dataset
            },
        )
}

fn trigger() -> impl Strategy<Value = StepTrigger> {
    prop_oneof![
        prop_oneof![
            Just("*/15 * * * *".to_owned()),
            Just("0 3 * * 1-5".to_owned()),
            text()
        ]
        .prop_map(StepTrigger::Cron),
        display_name().prop_map(StepTrigger::External),
    ]
}

fn credential() -> impl Strategy<Value = Credential> {
    (
        credential_name(),
        prop_oneof![
            Just(CredentialType::ApiKeyPair),
            Just(CredentialType::UserPassword),
            Just(CredentialType::ClientCertWithKey),
            Just(CredentialType::CaCertBundle),
            Just(CredentialType::ApiToken),
        ],
    )
        .prop_map(|(name, credential_type)| Credential {
            name,
            credential_type,
        })
}

fn grants() -> impl Strategy<Value = Vec<Grantee>> {
    vec(
        prop_oneof![
            team_name().prop_map(Grantee::Team),
            zone_name().prop_map(Grantee::Zone),
        ],
        0..3,
    )
}

fn credential_declarations()
-> impl Strategy<Value = OrderedMap<CredentialName, CredentialDeclaration>> {
    map(
        credential_name(),
        (grants(), docs()).prop_map(|(grants, documentation)| CredentialDeclaration {
            grants,
            documentation,
        }),
        2,
    )
}

fn tables() -> impl Strategy<Value = OrderedMap<DatasetName, String>> {
    map(dataset_name(), text(), 2)
}

fn capture_method() -> impl Strategy<Value = CaptureMethod> {
    prop_oneof![
        tables().prop_map(|tables| CaptureMethod::SqlSnapshot(SqlSnapshot { tables })),
        (tables(), column_name(), scalar_type()).prop_map(
            |(tables, watermark_column, watermark_type)| {
                CaptureMethod::SqlWatermark(SqlWatermark {
                    tables,
                    watermark_column,
                    watermark_type,
                })
            }
        ),
        (tables(), any::<bool>()).prop_map(|(tables, changes_only)| {
            let start = if changes_only {
                CdcStart::ChangesOnly
            } else {
                CdcStart::SnapshotThenChanges
            };
            CaptureMethod::Cdc(Cdc::new().with_tables(tables).with_start(start))
        }),
        map(dataset_name(), text(), 2).prop_map(|topics| CaptureMethod::Kafka(Kafka { topics })),
        (
            prop_oneof![
                Just(FileFormat::Csv),
                Just(FileFormat::JsonLines),
                Just(FileFormat::Parquet)
            ],
            map(dataset_name(), text(), 2)
        )
            .prop_map(|(format, files)| CaptureMethod::FileDrop(FileDrop { format, files })),
    ]
}

fn capture() -> impl Strategy<Value = CaptureMetadata> {
    prop_oneof![
        4 => (
            container_name(),
            prop_oneof![Just(IngestionConsistency::SingleDataset), Just(IngestionConsistency::MultiDataset)],
            option::of(trigger()),
            option::of(credential()),
            capture_method(),
        )
            .prop_map(|(container, consistency, trigger, credential, method)| {
                CaptureMetadata::Ingestion(Ingestion { container, consistency, trigger, credential, method })
            }),
        1 => workspace_name().prop_map(|workspace| CaptureMetadata::TransformerOutput(TransformerOutput { workspace })),
    ]
}

fn approval() -> impl Strategy<Value = DatasetApproval> {
    (workspace_name(), dataset_group_name(), dataset_name()).prop_map(
        |(workspace, dataset_group, dataset)| DatasetApproval {
            workspace,
            dataset_group,
            dataset,
        },
    )
}

fn datastore() -> impl Strategy<Value = Datastore> {
    (
        capture(),
        map(dataset_name(), dataset(), 3),
        production_status(),
        deprecation(),
        option::of(vec(approval(), 0..2)),
        docs(),
    )
        .prop_map(
            |(capture, datasets, production_status, deprecation, approvals, documentation)| {
                Datastore {
                    capture,
                    datasets,
                    production_status,
                    deprecation,
                    approvals,
                    documentation: documentation.map(Box::new),
                }
            },
        )
}

fn host_port() -> impl Strategy<Value = HostPort> {
    ("[a-z]{1,8}(\\.[a-z]{2,4})?", any::<u16>()).prop_map(|(host, port)| HostPort { host, port })
}

fn object_storage() -> impl Strategy<Value = ObjectStorage> {
    (
        option::of(Just("https://s3.example.com".to_owned())),
        "[a-z][a-z0-9-]{2,10}",
        option::of("[a-z]{1,6}/"),
    )
        .prop_map(|(endpoint, bucket, prefix)| ObjectStorage {
            endpoint,
            bucket,
            prefix,
        })
}

fn container_kind() -> impl Strategy<Value = ContainerKind> {
    prop_oneof![
        (
            proptest::sample::select(vec![
                DatabaseEngine::Postgres,
                DatabaseEngine::Mysql,
                DatabaseEngine::Oracle,
                DatabaseEngine::SqlServer,
                DatabaseEngine::Db2,
                DatabaseEngine::Snowflake,
                DatabaseEngine::Sqlite,
                DatabaseEngine::Databricks,
                DatabaseEngine::Other,
            ]),
            text(),
            option::of(host_port()),
            map("[a-z]{1,8}", text(), 2),
        )
            .prop_map(
                |(engine, database, endpoint, options)| ContainerKind::Database(Database {
                    engine,
                    database,
                    endpoint,
                    options
                })
            ),
        object_storage().prop_map(ContainerKind::ObjectStorage),
        (
            prop_oneof![
                Just(TableFormat::Iceberg),
                Just(TableFormat::Delta),
                Just(TableFormat::Hudi)
            ],
            option::of(text()),
            object_storage()
        )
            .prop_map(
                |(format, catalog, storage)| ContainerKind::Lakehouse(Lakehouse {
                    format,
                    catalog,
                    storage
                })
            ),
        (
            vec(host_port(), 1..3),
            option::of(text()),
            option::of(credential_name())
        )
            .prop_map(
                |(bootstrap_servers, group_id, ca_certificate)| ContainerKind::Kafka(
                    KafkaCluster {
                        bootstrap_servers,
                        group_id,
                        ca_certificate
                    }
                )
            ),
        Just(ContainerKind::PlatformManaged),
    ]
}

fn encryption() -> impl Strategy<Value = Encryption> {
    (option::of(text()), option::of(text()), any::<bool>()).prop_map(
        |(name, key_container, has_third_party_super_user)| Encryption {
            name,
            key_container,
            has_third_party_super_user,
        },
    )
}

fn container() -> impl Strategy<Value = DataContainer> {
    (
        container_kind(),
        vec(location_ref(), 0..3),
        any::<bool>(),
        option::weighted(0.2, encryption()),
        option::weighted(0.2, encryption()),
        grants(),
        docs(),
    )
        .prop_map(
            |(
                kind,
                locations,
                read_only,
                server_side_encryption,
                client_side_encryption,
                grants,
                documentation,
            )| DataContainer {
                kind,
                locations,
                read_only,
                server_side_encryption,
                client_side_encryption,
                grants,
                documentation,
            },
        )
        .boxed()
}

fn requirements() -> impl Strategy<Value = PlatformRequirements> {
    (
        prop_oneof![
            Just(Milestoning::LiveOnly),
            Just(Milestoning::Forensic),
            Just(Milestoning::LiveWithForensicHistory)
        ],
        prop_oneof![
            Just(Latency::Seconds),
            Just(Latency::Minutes),
            Just(Latency::Hours),
            Just(Latency::Days)
        ],
        option::of((0u32..10, 0u32..13, 0u32..5, 0u32..100).prop_map(
            |(years, months, weeks, days)| RetentionPeriod {
                years,
                months,
                weeks,
                days,
            },
        )),
        option::of(text()),
        option::of(platform_name()),
    )
        .prop_map(|(milestoning, latency, retention, regulator, platform)| {
            PlatformRequirements {
                milestoning,
                latency,
                retention,
                regulator,
                platform,
            }
        })
}

fn sink() -> impl Strategy<Value = DatasetSink> {
    (
        datastore_name(),
        dataset_name(),
        prop_oneof![
            Just(DeprecationsAllowed::Never),
            Just(DeprecationsAllowed::Allowed)
        ],
    )
        .prop_map(|(datastore, dataset, deprecations_allowed)| DatasetSink {
            datastore,
            dataset,
            deprecations_allowed,
        })
}

fn dataset_group() -> impl Strategy<Value = DatasetGroup> {
    (vec(sink(), 0..4), option::of(requirements()), docs()).prop_map(
        |(sinks, requirements, documentation)| DatasetGroup {
            sinks,
            requirements,
            documentation,
        },
    )
}

fn code() -> impl Strategy<Value = CodeArtifact> {
    prop_oneof![
        map(dataset_name(), text(), 2).prop_map(|queries| CodeArtifact::Sql(SqlCode { queries })),
        (repository(), text()).prop_map(|(repository, version)| CodeArtifact::PythonRepo(
            PythonRepoCode {
                repository,
                version
            }
        )),
        (
            vec(text(), 0..3),
            map("[A-Z]{1,6}", text(), 2),
            option::of(Just("3.11".to_owned()))
        )
            .prop_map(
                |(requirements, environment, python_version)| CodeArtifact::Python(PythonCode {
                    requirements,
                    environment,
                    python_version
                })
            ),
        Just(CodeArtifact::Builtin(BuiltinTransformer::ExternalizeModel)),
    ]
}

fn transformer() -> impl Strategy<Value = DataTransformer> {
    let limits = (
        option::of(1..=21_600u32),
        option::of(1..=600u32),
        option::of(1..=600u32),
        option::of(1..=16_384u32),
    )
        .prop_map(
            |(timeout_seconds, lock_timeout_seconds, idle_timeout_seconds, memory_mib)| {
                TransformerLimits {
                    timeout_seconds,
                    lock_timeout_seconds,
                    idle_timeout_seconds,
                    memory_mib,
                }
            },
        );
    (
        datastore_name(),
        option::of(trigger()),
        code(),
        limits,
        docs(),
    )
        .prop_map(
            |(output_datastore, trigger, code, limits, documentation)| DataTransformer {
                output_datastore,
                trigger,
                code,
                limits,
                documentation,
            },
        )
        .boxed()
}

/// Hooks: valid module paths and digests, one to four distinct events, either
/// failure policy and any limits within range.
fn hook() -> impl Strategy<Value = Hook> {
    (
        "[a-z][a-z0-9_-]{0,8}(/[a-z0-9][a-z0-9_.-]{0,8}){0,2}\\.wasm",
        "[0-9a-f]{64}",
        proptest::sample::subsequence(HookEventKind::ALL.to_vec(), 1..=4),
        prop_oneof![
            Just(FailurePolicy::FailOpen),
            Just(FailurePolicy::FailClosed)
        ],
        (
            option::of(1..=HookLimits::MAX_FUEL),
            option::of(1..=HookLimits::MAX_MEMORY_MIB),
            option::of(1..=HookLimits::MAX_WALL_TIME_MS),
        ),
        docs(),
    )
        .prop_map(
            |(
                module,
                sha256,
                events,
                on_failure,
                (fuel, memory_mib, wall_time_ms),
                documentation,
            )| {
                Hook {
                    module: ModelFilePath::new(module).expect("the pattern makes valid paths"),
                    sha256: Sha256Digest::new(sha256).expect("the pattern makes valid digests"),
                    events,
                    on_failure,
                    limits: HookLimits {
                        fuel,
                        memory_mib,
                        wall_time_ms,
                    },
                    documentation,
                }
            },
        )
}

fn workspace() -> impl Strategy<Value = Workspace> {
    (
        option::of(container_name()),
        prop_oneof![
            Just(WorkspacePriority::Low),
            Just(WorkspacePriority::Medium),
            Just(WorkspacePriority::High),
            Just(WorkspacePriority::Critical)
        ],
        production_status(),
        deprecation(),
        map(dataset_group_name(), dataset_group(), 2),
        option::weighted(0.3, transformer()),
        option::weighted(0.2, hook()),
        option::weighted(0.2, allow_deny(classification)),
        docs(),
    )
        .prop_map(
            |(
                container,
                priority,
                production_status,
                deprecation,
                dataset_groups,
                transformer,
                hook,
                classification_verifier,
                documentation,
            )| {
                Workspace {
                    container,
                    priority,
                    production_status,
                    deprecation,
                    dataset_groups,
                    transformer,
                    hook,
                    classification_verifier,
                    documentation,
                }
            },
        )
        .boxed()
}

/// Teams.
pub fn team() -> impl Strategy<Value = Team> {
    (
        docs(),
        map(container_name(), container(), 2),
        credential_declarations(),
        map(datastore_name(), datastore(), 2),
        map(workspace_name(), workspace(), 2),
    )
        .prop_map(
            |(documentation, containers, credentials, datastores, workspaces)| Team {
                documentation,
                containers,
                credentials,
                datastores,
                workspaces,
                exceptions: datasurface_core::Exceptions::default(),
            },
        )
        .boxed()
}

/// Governance zones, with teams.
pub fn zone() -> impl Strategy<Value = GovernanceZone> {
    (
        docs(),
        map(policy_name(), storage_policy(), 2),
        map(policy_name(), allow_deny(classification), 2),
        map(policy_name(), allow_deny(vendor_name), 1),
        map(policy_name(), allow_deny(location_ref), 1),
        map(policy_name(), allow_deny(cloud_vendor), 1),
        map(policy_name(), allow_deny(platform_name), 1),
        credential_declarations(),
        map(
            team_name(),
            (repository(), docs()).prop_map(|(repository, documentation)| TeamDeclaration {
                repository,
                documentation,
            }),
            2,
        ),
        map(team_name(), team(), 2),
    )
        .prop_map(
            |(
                documentation,
                storage_policies,
                classification_policies,
                vendor_policies,
                location_policies,
                hard_vendor_policies,
                platform_policies,
                credentials,
                team_declarations,
                teams,
            )| GovernanceZone {
                documentation,
                storage_policies,
                classification_policies,
                vendor_policies,
                location_policies,
                hard_vendor_policies,
                platform_policies,
                credentials,
                team_declarations,
                teams: teams
                    .into_iter()
                    .map(|(name, team)| (name, std::sync::Arc::new(team)))
                    .collect(),
            },
        )
        .boxed()
}

/// JSON values without floats (whose text form does not round-trip exactly).
pub fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(serde_json::Value::from),
        text().prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..3).prop_map(serde_json::Value::Array),
            vec(("[a-z]{1,6}", inner), 0..3)
                .prop_map(|pairs| serde_json::Value::Object(pairs.into_iter().collect())),
        ]
    })
}

fn platform() -> impl Strategy<Value = PlatformDeclaration> {
    let hint = (
        prop_oneof![
            (datastore_name(), option::of(dataset_name()))
                .prop_map(|(datastore, dataset)| HintTarget::Ingestion { datastore, dataset }),
            workspace_name().prop_map(|workspace| HintTarget::Transformer { workspace }),
        ],
        map("[a-z]{1,8}", json_value(), 2),
    )
        .prop_map(|(target, values)| PlatformHint { target, values });
    (
        platform_kind(),
        prop_oneof![Just("^1.2"), Just(">=0.1, <2"), Just("*"), Just("=1.0.0")].prop_map(|r| {
            semver::VersionReq::parse(r).expect("the strategy only makes valid requirements")
        }),
        vec(location_ref(), 0..2),
        map("[a-z][a-zA-Z]{0,8}", json_value(), 3),
        vec(hint, 0..2),
        cadence(),
        docs(),
    )
        .prop_map(
            |(kind, version, locations, parameters, hints, cadence, documentation)| {
                PlatformDeclaration {
                    kind,
                    version,
                    locations,
                    parameters,
                    hints,
                    cadence,
                    documentation,
                }
            },
        )
}

fn cadence() -> impl Strategy<Value = Cadence> {
    prop_oneof![
        Just(Cadence::Immediate),
        Just(Cadence::Manual),
        (
            prop_oneof![Just("0 22 * * 5"), Just("*/30 * * * *"), Just("0 2 1 * *")],
            1..=AdvanceWindow::MAX_MINUTES,
        )
            .prop_map(|(cron, minutes)| Cadence::Window(AdvanceWindow {
                cron: cron.to_owned(),
                minutes: std::num::NonZeroU32::new(minutes).unwrap_or(std::num::NonZeroU32::MIN),
            })),
    ]
}

fn assignment() -> impl Strategy<Value = DatasetGroupAssignment> {
    let one = (
        platform_name(),
        prop_oneof![
            Just(AssignmentStatus::Provisioning),
            Just(AssignmentStatus::Provisioned),
            Just(AssignmentStatus::Decommissioning),
            Just(AssignmentStatus::Decommissioned),
        ],
        production_status(),
        prop_oneof![
            Just(DeprecationsAllowed::Never),
            Just(DeprecationsAllowed::Allowed)
        ],
        docs(),
    )
        .prop_map(
            |(platform, status, production_status, deprecations_allowed, documentation)| {
                PlatformAssignment {
                    platform,
                    status,
                    production_status,
                    deprecations_allowed,
                    documentation,
                }
            },
        );
    (workspace_name(), dataset_group_name(), vec(one, 1..3)).prop_map(
        |(workspace, dataset_group, platforms)| DatasetGroupAssignment {
            workspace,
            dataset_group,
            platforms,
            chosen: false,
        },
    )
}

fn recorded_choice() -> impl Strategy<Value = RecordedChoice> {
    (workspace_name(), dataset_group_name(), platform_name()).prop_map(
        |(workspace, dataset_group, platform)| RecordedChoice {
            workspace,
            dataset_group,
            platform,
        },
    )
}

/// Runtime environments.
fn environment() -> impl Strategy<Value = Environment> {
    (
        prop_oneof![
            branch_name().prop_map(ReleaseSelector::Branch),
            "v[0-9*.]{0,6}".prop_map(ReleaseSelector::TagPattern),
        ],
        map(
            platform_name(),
            map("[a-z][a-zA-Z]{0,8}", json_value(), 2)
                .prop_map(|parameters| EnvironmentPlatform { parameters }),
            2,
        ),
        map(container_name(), container_kind(), 2),
        docs(),
    )
        .prop_map(
            |(release, platforms, containers, documentation)| Environment {
                release,
                platforms,
                containers,
                documentation,
            },
        )
}

/// Whole ecosystems: well-formed, not necessarily valid.
pub fn ecosystem() -> impl Strategy<Value = Ecosystem> {
    (
        (ecosystem_name(), repository(), repository(), docs()),
        map(vendor_name(), vendor(), 2),
        (
            map(platform_name(), platform(), 2),
            vec(platform_name(), 0..3),
            credential_declarations(),
        ),
        map(
            zone_name(),
            (repository(), docs()).prop_map(|(repository, documentation)| ZoneDeclaration {
                repository,
                documentation,
            }),
            3,
        ),
        map(zone_name(), zone(), 2),
        (vec(assignment(), 0..3), vec(recorded_choice(), 0..3)),
        (
            map(datastore_name(), vec(platform_name(), 0..3), 2),
            map(environment_name(), environment(), 2),
        ),
    )
        .prop_map(
            |(
                (name, owning_repository, live_repository, documentation),
                vendors,
                (platforms, platform_preference, credentials),
                zone_declarations,
                zones,
                (assignments, platform_choices),
                (primary_ingestion_platforms, environments),
            )| Ecosystem {
                name,
                owning_repository,
                live_repository,
                documentation,
                vendors,
                platforms,
                platform_preference,
                credentials,
                zone_declarations,
                zones,
                assignments,
                platform_choices,
                primary_ingestion_platforms,
                environments,
                exceptions: datasurface_core::Exceptions::default(),
            },
        )
}

/// A quality rule of any kind on some of `columns` (which must not be
/// empty), named or not, of either severity. For round trips: it need not
/// pass validation (a range's bounds need not suit the column's type).
pub fn quality_rule(
    columns: &[ColumnName],
) -> impl Strategy<Value = datasurface_core::quality::QualityRule> + use<> {
    use datasurface_core::quality::{Literal, QualityRule, Severity};
    let literal = prop_oneof![
        any::<bool>().prop_map(Literal::Bool),
        any::<i32>().prop_map(|n| Literal::Number(n.to_string())),
        "[a-z ]{0,8}".prop_map(Literal::Text),
    ];
    let column = proptest::sample::select(columns.to_vec());
    let some = proptest::sample::subsequence(columns.to_vec(), 1..=columns.len().min(3));
    let rule = prop_oneof![
        (option::of(0u64..100), option::of(100u64..1000))
            .prop_map(|(min, max)| QualityRule::row_count(min, max)),
        (column.clone(), vec(literal.clone(), 1..4))
            .prop_map(|(c, values)| QualityRule::allowed_values(c, values)),
        (
            column.clone(),
            option::of(literal.clone()),
            option::of(literal)
        )
            .prop_map(|(c, min, max)| QualityRule::range(c, min, max)),
        some.prop_map(QualityRule::unique),
        (column, 1u32..10_000).prop_map(|(c, minutes)| {
            QualityRule::freshness(c, std::num::NonZeroU32::MIN.saturating_add(minutes))
        }),
        "[a-z_]{1,6} (<|>=|<>) [0-9]{1,3}".prop_map(QualityRule::check),
    ];
    (rule, option::of("rule-[0-9]{1,4}"), any::<bool>()).prop_map(|(rule, name, warn)| {
        let rule = match name {
            Some(name) => rule.named(name),
            None => rule,
        };
        if warn {
            rule.with_severity(Severity::Warn)
        } else {
            rule
        }
    })
}
