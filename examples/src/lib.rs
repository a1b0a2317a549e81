//! Examples of datasurface.
//!
//! [`northwind`] builds, in code, the same model as the YAML directory
//! `examples/models/northwind`; a test checks that the two are equal. Run
//! `cargo run -p datasurface-examples --example build_in_code` to see it.
//! [`dbt::Dbt`] is a complete third-party platform.

#![allow(
    clippy::wildcard_imports,
    reason = "the example uses most of the model's types"
)]

use std::error::Error;

pub mod dbt;

use datasurface_model::capture::SqlSnapshot;
use datasurface_model::container::{Database, HostPort};
use datasurface_model::types::{Decimal, Text};
use datasurface_model::workspace::SqlCode;
use datasurface_model::*;

/// A GitHub repository's `main`-style branch.
fn repo(name: &str, branch: &str) -> Result<Repository, Box<dyn Error>> {
    Ok(Repository::github(name.parse()?, branch.parse()?))
}

fn described(text: &str) -> Documentation {
    Documentation::new(text)
}

/// A database in Azure's `eastus`.
fn azure_database(
    engine: DatabaseEngine,
    (database, host, port): (&str, &str, u16),
    description: &str,
) -> Result<DataContainer, Box<dyn Error>> {
    let mut container = DataContainer::new(ContainerKind::Database(Database {
        engine,
        database: database.to_owned(),
        endpoint: Some(HostPort {
            host: host.to_owned(),
            port,
        }),
        options: indexmap::IndexMap::default(),
    }));
    container.locations.push("Azure:USA/eastus".parse()?);
    container.documentation = Some(described(description));
    Ok(container)
}

/// Builds a schema from `(column, type, nullable)` triples and a primary key.
fn schema(
    columns: Vec<(&str, DataType, bool)>,
    primary_key: &[&str],
) -> Result<Schema, Box<dyn Error>> {
    let mut schema = Schema::default();
    for (name, data_type, nullable) in columns {
        schema.columns.insert(
            name.parse()?,
            Column {
                nullable,
                ..Column::new(data_type)
            },
        );
    }
    for name in primary_key {
        schema.primary_key.push(name.parse()?);
    }
    Ok(schema)
}

fn nvarchar(max: u32) -> DataType {
    DataType::NVarChar(Text::max(max))
}

/// The Northwind ecosystem of the `DataPlatform` design (seed 004), built in code.
pub fn northwind() -> Result<Ecosystem, Box<dyn Error>> {
    let mut eco = Ecosystem::new(
        "Northwind".parse()?,
        repo("northwind/ecosystem", "main")?,
        repo("northwind/ecosystem", "live")?,
    );
    eco.documentation = Some(described("Northwind Traders' data ecosystem."));

    let mut usa = InfrastructureLocation::default();
    usa.locations
        .insert("eastus".parse()?, InfrastructureLocation::default());
    usa.locations
        .insert("westus".parse()?, InfrastructureLocation::default());
    let mut azure = InfrastructureVendor {
        hard_cloud_vendor: Some(CloudVendor::Azure),
        documentation: Some(described("Microsoft Azure.")),
        ..Default::default()
    };
    azure.locations.insert("USA".parse()?, usa);
    eco.vendors.insert("Azure".parse()?, azure);

    let mut platform = PlatformDeclaration::new("airflow".parse()?, "^0.1".parse()?);
    platform.locations.push("Azure:USA/eastus".parse()?);
    platform.documentation = Some(described(
        "Batch pipelines on Apache Airflow, merging into PostgreSQL.",
    ));
    eco.platforms.insert("Azure Platform".parse()?, platform);
    let mut local = PlatformDeclaration::new("sqlite".parse()?, "^0.1".parse()?);
    local.parameters.insert(
        "sources".to_owned(),
        serde_json::json!({"NW Source DB": "data/northwind.sqlite"}),
    );
    local.documentation = Some(described(
        "The embedded default, on one machine with no servers.",
    ));
    eco.platforms.insert("Local".parse()?, local);

    eco.zone_declarations.insert(
        "USA".parse()?,
        ZoneDeclaration {
            repository: repo("northwind/usa-zone", "main")?,
            documentation: None,
        },
    );
    eco.assignments.push(DatasetGroupAssignment {
        workspace: "ProductAnalytics".parse()?,
        dataset_group: "Reporting".parse()?,
        platforms: vec![
            PlatformAssignment {
                status: AssignmentStatus::Provisioned,
                ..PlatformAssignment::new("Azure Platform".parse()?)
            },
            PlatformAssignment {
                status: AssignmentStatus::Provisioned,
                ..PlatformAssignment::new("Local".parse()?)
            },
        ],
    });

    let mut zone = GovernanceZone {
        documentation: Some(described("Data produced and governed in the USA.")),
        ..Default::default()
    };
    zone.team_declarations.insert(
        "NorthwindTeam".parse()?,
        TeamDeclaration {
            repository: repo("northwind/northwind-team", "main")?,
            documentation: None,
        },
    );
    zone.teams
        .insert("NorthwindTeam".parse()?, northwind_team()?);
    eco.zones.insert("USA".parse()?, zone);
    Ok(eco)
}

fn northwind_team() -> Result<Team, Box<dyn Error>> {
    let mut team = Team {
        documentation: Some(described(
            "Owns the Northwind order system's data and its reporting.",
        )),
        ..Default::default()
    };
    team.containers.insert(
        "NW Source DB".parse()?,
        azure_database(
            DatabaseEngine::Postgres,
            ("northwind", "nw-orders.northwind.example", 5432),
            "The order system's operational database.",
        )?,
    );
    team.containers.insert(
        "Test Azure SQL".parse()?,
        azure_database(
            DatabaseEngine::Postgres,
            (
                "nw_analytics",
                "nw-analytics.postgres.database.azure.com",
                5432,
            ),
            "The analytics database that workspaces receive data in.",
        )?,
    );

    team.datastores.insert("NW_Data".parse()?, nw_data()?);
    team.datastores
        .insert("Masked_NW_Data".parse()?, masked_nw_data()?);
    team.workspaces
        .insert("MaskCustomersWorkSpace".parse()?, mask_customers()?);
    team.workspaces
        .insert("ProductAnalytics".parse()?, product_analytics()?);
    Ok(team)
}

/// The producer: three datasets captured together by SQL snapshot.
fn nw_data() -> Result<Datastore, Box<dyn Error>> {
    let public = |c: Column| c.classified(["PUB".parse().expect("PUB is a classification")]);
    let mut products = schema(
        vec![
            ("product_id", DataType::Integer, false),
            ("product_name", nvarchar(40), false),
            ("supplier_id", DataType::Integer, true),
            ("category_id", DataType::Integer, true),
            ("quantity_per_unit", nvarchar(20), true),
            (
                "unit_price",
                DataType::Decimal(Decimal {
                    precision: 10,
                    scale: 2,
                }),
                true,
            ),
            ("units_in_stock", DataType::SmallInt, true),
            ("discontinued", DataType::Boolean, false),
        ],
        &["product_id"],
    )?;
    for column in products.columns.values_mut() {
        *column = public(column.clone());
    }
    let mut suppliers = Dataset::new(schema(
        vec![
            ("supplier_id", DataType::Integer, false),
            ("company_name", nvarchar(40), false),
            ("contact_name", nvarchar(30), true),
            ("city", nvarchar(15), true),
            ("country", nvarchar(15), true),
            ("phone", nvarchar(24), true),
        ],
        &["supplier_id"],
    )?);
    suppliers.classifications = Some(vec!["PC1".parse()?]);
    let mut customers = Dataset::new(schema(
        vec![
            ("customer_id", DataType::NChar(Text::max(5)), false),
            ("company_name", nvarchar(40), false),
            ("contact_name", nvarchar(30), true),
            ("address", nvarchar(60), true),
            ("city", nvarchar(15), true),
            ("country", nvarchar(15), true),
        ],
        &["customer_id"],
    )?);
    customers.classifications = Some(vec!["PC1:name".parse()?, "PC2:address".parse()?]);

    let mut nw_data = Datastore::new(CaptureMetadata::Ingestion(Ingestion {
        container: "NW Source DB".parse()?,
        consistency: IngestionConsistency::MultiDataset,
        trigger: Some(StepTrigger::Cron("*/15 * * * *".to_owned())),
        credential: Some(Credential {
            name: "nw_reader".parse()?,
            credential_type: CredentialType::UserPassword,
        }),
        method: CaptureMethod::SqlSnapshot(SqlSnapshot::default()),
    }));
    nw_data
        .datasets
        .insert("products".parse()?, Dataset::new(products));
    nw_data.datasets.insert("suppliers".parse()?, suppliers);
    nw_data.datasets.insert("customers".parse()?, customers);
    nw_data.documentation = Some(Box::new(described(
        "Products, suppliers and customers from the order system, captured together.",
    )));
    Ok(nw_data)
}

/// The masking transformer's output.
fn masked_nw_data() -> Result<Datastore, Box<dyn Error>> {
    let mut masked = Datastore::new(CaptureMetadata::TransformerOutput(TransformerOutput {
        workspace: "MaskCustomersWorkSpace".parse()?,
    }));
    let mut masked_customers = Dataset::new(schema(
        vec![
            ("customer_id", DataType::NChar(Text::max(5)), false),
            ("company_name", nvarchar(40), false),
            ("contact_name", nvarchar(30), true),
            ("city", nvarchar(15), true),
            ("country", nvarchar(15), true),
        ],
        &["customer_id"],
    )?);
    masked_customers.classifications = Some(vec!["PUB".parse()?]);
    masked
        .datasets
        .insert("customers".parse()?, masked_customers);
    masked.documentation = Some(Box::new(described(
        "Customers with personal data masked, safe for broad reporting.",
    )));
    Ok(masked)
}

/// The masking transformer's workspace.
fn mask_customers() -> Result<Workspace, Box<dyn Error>> {
    let mut mask = Workspace::on("Test Azure SQL".parse()?);
    mask.dataset_groups.insert(
        "Input".parse()?,
        DatasetGroup {
            sinks: vec![DatasetSink::new("NW_Data".parse()?, "customers".parse()?)],
            ..Default::default()
        },
    );
    let mut queries = indexmap::IndexMap::new();
    queries.insert(
        "customers".parse()?,
        "SELECT customer_id, company_name, '***' AS contact_name, city, country FROM NW_Data_customers".to_owned(),
    );
    mask.transformer = Some(DataTransformer {
        output_datastore: "Masked_NW_Data".parse()?,
        trigger: None,
        code: CodeArtifact::Sql(SqlCode { queries }),
        documentation: None,
    });
    mask.documentation = Some(described("Masks customers' personal data."));
    Ok(mask)
}

/// The consumer.
fn product_analytics() -> Result<Workspace, Box<dyn Error>> {
    let mut analytics = Workspace::on("Test Azure SQL".parse()?);
    analytics.priority = WorkspacePriority::High;
    analytics.dataset_groups.insert(
        "Reporting".parse()?,
        DatasetGroup {
            sinks: vec![
                DatasetSink::new("Masked_NW_Data".parse()?, "customers".parse()?),
                DatasetSink::new("NW_Data".parse()?, "products".parse()?),
                DatasetSink::new("NW_Data".parse()?, "suppliers".parse()?),
            ],
            requirements: Some(PlatformRequirements {
                milestoning: Milestoning::LiveOnly,
                latency: Latency::Minutes,
                retention: None,
                regulator: None,
                platform: None,
            }),
            documentation: None,
        },
    );
    analytics.documentation = Some(described("Product and customer reporting."));
    Ok(analytics)
}
