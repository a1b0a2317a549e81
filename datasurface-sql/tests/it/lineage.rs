//! Column lineage over a table of SQL shapes, each with the lineage it
//! must give, and the problems a query naming what is not there has.

use datasurface_sql::{Dialect, Input, Lineage, analyze};

fn inputs() -> Vec<Input> {
    vec![
        Input::new(
            "NW_Data_customers",
            [
                "customer_id",
                "company_name",
                "contact_name",
                "city",
                "country",
            ],
        ),
        Input::new(
            "NW_Data_orders",
            ["order_id", "customer_id", "amount", "shipped"],
        ),
    ]
}

/// The lineage as lines: `output <- table.column how[ via f, g]`, then
/// `filtered by table.column`, then each problem.
fn show(lineage: &Lineage) -> String {
    let mut lines = Vec::new();
    for column in &lineage.columns {
        if column.sources.is_empty() {
            lines.push(format!("{} <- (constant)", column.name));
        }
        for s in &column.sources {
            let how = format!("{:?}", s.how).to_lowercase();
            let via = if s.through.is_empty() {
                String::new()
            } else {
                format!(" via {}", s.through.join(", "))
            };
            lines.push(format!(
                "{} <- {}.{} {how}{via}",
                column.name, s.table, s.column
            ));
        }
    }
    for f in &lineage.filtered_by {
        lines.push(format!("filtered by {}.{}", f.table, f.column));
    }
    for p in &lineage.problems {
        lines.push(format!(
            "{:?} at {}:{}: {}{}",
            p.kind,
            p.at.line,
            p.at.column,
            p.message,
            p.suggestion
                .as_ref()
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default()
        ));
    }
    lines.join("\n")
}

/// Each shape: its SQL, and the lineage it must give (SQLite's dialect).
const SHAPES: &[(&str, &str, &str)] = &[
    (
        "the Northwind masking",
        "SELECT customer_id, company_name, '***' AS contact_name, city, country FROM NW_Data_customers",
        "customer_id <- NW_Data_customers.customer_id copied
company_name <- NW_Data_customers.company_name copied
contact_name <- (constant)
city <- NW_Data_customers.city copied
country <- NW_Data_customers.country copied",
    ),
    (
        "aliases, a join and a filter",
        "SELECT c.customer_id AS id, o.amount * 1.1 AS gross FROM NW_Data_customers AS c JOIN NW_Data_orders o ON o.customer_id = c.customer_id WHERE o.shipped",
        "id <- NW_Data_customers.customer_id copied
gross <- NW_Data_orders.amount transformed
filtered by NW_Data_customers.customer_id
filtered by NW_Data_orders.customer_id
filtered by NW_Data_orders.shipped",
    ),
    (
        "aggregation with grouping by an output's name",
        "SELECT country, count(*) AS customers, sum(o.amount) AS total FROM NW_Data_customers c LEFT JOIN NW_Data_orders o USING (customer_id) GROUP BY country HAVING sum(o.amount) > 10",
        "country <- NW_Data_customers.country copied
customers <- (constant)
total <- NW_Data_orders.amount aggregated via sum
filtered by NW_Data_customers.country
filtered by NW_Data_customers.customer_id
filtered by NW_Data_orders.amount
filtered by NW_Data_orders.customer_id",
    ),
    (
        "a CTE, renamed columns and SELECT * expanded",
        "WITH big (who, spent) AS (SELECT customer_id, amount FROM NW_Data_orders WHERE amount > 100) SELECT * FROM big",
        "who <- NW_Data_orders.customer_id copied
spent <- NW_Data_orders.amount copied
filtered by NW_Data_orders.amount",
    ),
    (
        "a window function",
        "SELECT order_id, row_number() OVER (PARTITION BY customer_id ORDER BY amount DESC) AS rank, sum(amount) OVER (PARTITION BY customer_id) AS running FROM NW_Data_orders",
        "order_id <- NW_Data_orders.order_id copied
rank <- NW_Data_orders.customer_id transformed via row_number
rank <- NW_Data_orders.amount transformed via row_number
running <- NW_Data_orders.amount aggregated via sum
running <- NW_Data_orders.customer_id transformed via sum",
    ),
    (
        "CASE and hashing",
        "SELECT CASE WHEN country = 'USA' THEN city ELSE 'elsewhere' END AS place, md5(contact_name) AS who FROM NW_Data_customers",
        "place <- NW_Data_customers.country transformed via case
place <- NW_Data_customers.city transformed via case
who <- NW_Data_customers.contact_name transformed via md5
Refused at 1:75: a transformer's query may not hold the function `md5` in SQLite (it may call abs, avg, coalesce, concat, concat_ws, count, dense_rank, first_value, group_concat, instr, lag, last_value, lead, length, lower, ltrim, max, min, ntile, nullif, rank, replace, round, row_number, rtrim, string_agg, substr, sum, trim, upper)",
    ),
    (
        "a derived table and a qualified star",
        "SELECT t.*, upper(t.city) AS town FROM (SELECT customer_id, city FROM NW_Data_customers) AS t",
        "customer_id <- NW_Data_customers.customer_id copied
city <- NW_Data_customers.city copied
town <- NW_Data_customers.city transformed via upper",
    ),
    (
        "a scalar subquery correlated with the outer query",
        "SELECT c.customer_id, (SELECT max(o.amount) FROM NW_Data_orders o WHERE o.customer_id = c.customer_id) AS biggest FROM NW_Data_customers c",
        "customer_id <- NW_Data_customers.customer_id copied
biggest <- NW_Data_orders.amount aggregated via max, subquery
filtered by NW_Data_customers.customer_id
filtered by NW_Data_orders.customer_id",
    ),
    (
        "a union",
        "SELECT customer_id AS id FROM NW_Data_customers UNION ALL SELECT order_id FROM NW_Data_orders",
        "id <- NW_Data_customers.customer_id copied
id <- NW_Data_orders.order_id copied",
    ),
    (
        "casts, EXISTS and IN",
        "SELECT CAST(amount AS TEXT) AS amount FROM NW_Data_orders o WHERE EXISTS (SELECT 1 FROM NW_Data_customers c WHERE c.customer_id = o.customer_id AND c.country IN ('USA', 'UK'))",
        "amount <- NW_Data_orders.amount transformed via cast
filtered by NW_Data_customers.country
filtered by NW_Data_customers.customer_id
filtered by NW_Data_orders.customer_id",
    ),
    (
        "a recursive CTE names itself, and is refused",
        "WITH RECURSIVE n(i, who) AS (SELECT 1, customer_id FROM NW_Data_orders UNION ALL SELECT i + 1, who FROM n WHERE i < 3) SELECT who FROM n",
        "who <- NW_Data_orders.customer_id copied
Refused at 1:1: a transformer's query may not hold `WITH RECURSIVE` (a query may read its inputs, not repeat itself)",
    ),
    (
        "names in any case (SQLite)",
        "SELECT CITY FROM nw_data_CUSTOMERS",
        "CITY <- NW_Data_customers.city copied",
    ),
];

#[test]
fn each_shape_gives_its_lineage() {
    let inputs = inputs();
    for (shape, sql, expected) in SHAPES {
        let lineage = analyze(sql, Dialect::Sqlite, &inputs);
        assert_eq!(show(&lineage), *expected, "{shape}: {sql}");
    }
}

/// What the query names that is not there is a problem at its place, with
/// the nearest right name.
#[test]
fn a_misspelt_name_is_a_problem_where_it_is_written() {
    let inputs = inputs();
    let lineage = analyze(
        "SELECT customer_id,\n       SUM(amont) AS total\nFROM NW_Data_orders\nGROUP BY customer_id",
        Dialect::Sqlite,
        &inputs,
    );
    insta::assert_snapshot!(show(&lineage), @r"
    customer_id <- NW_Data_orders.customer_id copied
    total <- (constant)
    filtered by NW_Data_orders.customer_id
    UnknownColumn at 2:12: no column `amont` in `NW_Data_orders` (did you mean `amount`?)
    ");
    let lineage = analyze("SELECT * FROM NW_Data_custmers", Dialect::Sqlite, &inputs);
    insta::assert_snapshot!(show(&lineage), @"UnknownTable at 1:15: `NW_Data_custmers` is not a table this query may read; it reads `NW_Data_customers`, `NW_Data_orders` (did you mean `NW_Data_customers`?)");
    let lineage = analyze(
        "SELECT customer_id FROM NW_Data_customers, NW_Data_orders",
        Dialect::Sqlite,
        &inputs,
    );
    assert_eq!(
        lineage.problems[0].message,
        "column `customer_id` is in both `NW_Data_customers` and `NW_Data_orders`; say which, as `NW_Data_customers.customer_id`"
    );
    let lineage = analyze(
        "SELECT c.nope FROM NW_Data_customers c",
        Dialect::Sqlite,
        &inputs,
    );
    assert_eq!(lineage.problems[0].message, "`c` has no column `nope`");
    let lineage = analyze(
        "SELECT amount + 1 FROM NW_Data_orders",
        Dialect::Sqlite,
        &inputs,
    );
    insta::assert_snapshot!(show(&lineage), @r"
    amount + 1 <- NW_Data_orders.amount transformed
    UnnamedColumn at 1:8: `amount + 1` writes a column with no name; name it with `AS`
    ");
}

#[test]
fn what_does_not_parse_or_is_not_a_query_is_a_problem_not_a_panic() {
    let inputs = inputs();
    let lineage = analyze(
        "SELECT city\nFROM NW_Data_customers WHERE",
        Dialect::Sqlite,
        &inputs,
    );
    assert_eq!(lineage.problems.len(), 1, "{lineage:?}");
    let problem = &lineage.problems[0];
    assert_eq!(format!("{:?}", problem.kind), "Unparseable");
    assert_eq!(problem.at.line, 2, "{problem:?}");
    assert!(
        problem.message.starts_with("the query does not parse: "),
        "{problem:?}"
    );
    for sql in ["DELETE FROM NW_Data_orders", "SELECT 1; SELECT 2", ""] {
        let lineage = analyze(sql, Dialect::Sqlite, &inputs);
        assert_eq!(lineage.problems.len(), 1, "{sql}: {lineage:?}");
        assert!(lineage.columns.is_empty());
    }
    // Deeply nested input stops at the parser's recursion limit.
    let deep = format!("SELECT {}1{} AS x", "(".repeat(5000), ")".repeat(5000));
    let lineage = analyze(&deep, Dialect::Sqlite, &inputs);
    assert_eq!(lineage.problems.len(), 1);
}

/// PostgreSQL folds a name not in quotes to lower case: a column made
/// with capitals is named in quotes.
#[test]
fn postgres_folds_unquoted_names() {
    let inputs = vec![Input::new("sales", ["Amount", "region"])];
    let lineage = analyze(
        "SELECT \"Amount\", REGION FROM SALES",
        Dialect::Postgres,
        &inputs,
    );
    assert_eq!(
        show(&lineage),
        "Amount <- sales.Amount copied\nregion <- sales.region copied"
    );
    let lineage = analyze("SELECT Amount FROM sales", Dialect::Postgres, &inputs);
    assert_eq!(lineage.problems.len(), 1, "{lineage:?}");
    assert_eq!(lineage.problems[0].suggestion.as_deref(), Some("Amount"));
}
