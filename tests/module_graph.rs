//! The crate's top-level modules import each other without cycles: every
//! `crate::<module>` path in `src/` (outside comments, tests and the loom
//! models, which may look at everything) is an edge, and the graph of those
//! edges must be acyclic, so that each module can be read (and changed) on
//! top of the ones it uses.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::Path,
};

/// Top-level module -> modules its code names through `crate::`.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files = vec![src.clone()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            for entry in fs::read_dir(&path).unwrap() {
                files.push(entry.unwrap().path());
            }
            continue;
        }
        let rel = path.strip_prefix(&src).unwrap();
        let rel_text = rel.to_string_lossy().replace('\\', "/");
        if path.extension().is_none_or(|e| e != "rs")
            || rel_text == "lib.rs"
            || rel_text.contains("/models/")
        {
            continue;
        }
        let first = rel.components().next().unwrap().as_os_str();
        let module = first.to_string_lossy().trim_end_matches(".rs").to_owned();
        let code = code_of(&fs::read_to_string(&path).unwrap());
        let uses = graph.entry(module.clone()).or_default();
        for name in crate_paths(&code) {
            if name != module {
                uses.insert(name);
            }
        }
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for uses in graph.values_mut() {
        uses.retain(|m| modules.contains(m));
    }
    graph
}

/// The source without comment lines and without a trailing test module.
fn code_of(source: &str) -> String {
    let mut code = String::new();
    for line in source.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") || trimmed.starts_with("#[cfg(all(test") {
            break;
        }
        if !trimmed.starts_with("//") {
            code.push_str(line);
            code.push('\n');
        }
    }
    code
}

/// The first segment of every `crate::` path (`crate::a::b` and each
/// top-level item of `crate::{a::b, c}`), ignoring `$crate::` (macro bodies,
/// expanded in other crates).
fn crate_paths(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let macro_path = rest[..at].ends_with('$');
        rest = &rest[at + "crate::".len()..];
        if macro_path {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut start_of_item = true;
            let mut ident = String::new();
            for c in group.chars() {
                if c.is_alphanumeric() || c == '_' {
                    if start_of_item {
                        ident.push(c);
                    }
                    continue;
                }
                if !ident.is_empty() {
                    names.push(std::mem::take(&mut ident));
                    start_of_item = false;
                }
                match c {
                    '{' => depth += 1,
                    '}' if depth == 1 => break,
                    '}' => depth -= 1,
                    ',' if depth == 1 => start_of_item = true,
                    _ => {}
                }
            }
        } else {
            let ident: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            names.push(ident);
        }
    }
    names
}

/// A cycle in `graph`, if there is one (depth-first search).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in &graph[node] {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn top_level_modules_import_each_other_without_cycles() {
    let graph = module_graph();
    assert!(graph.contains_key("pool") && graph.contains_key("executor"));
    assert!(
        graph["global"].contains("pool"),
        "the parser sees `use crate::{{...}}` groups: {graph:#?}"
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle: {}\n{graph:#?}", cycle.join(" -> "));
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(
        find_cycle(&graph).unwrap(),
        ["a", "b", "c", "a"].map(str::to_owned)
    );
    let groups =
        crate_paths("use crate::{a::{x, y}, b, c::D};\nlet _ = crate::e::f;\n$crate::g::h");
    assert_eq!(groups, ["a", "b", "c", "e"].map(str::to_owned));
}
