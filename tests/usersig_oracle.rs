//! The official `tls-sig-api-v2` Python library as an independent oracle for UserSig. Where
//! python3 or the library is missing, the tests say so and skip (`.ci/run` installs it).
#![allow(clippy::unwrap_used)]

use std::process::Command;

use convmark::api::usersig;

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const APP: u64 = 1_400_000_000;

/// Runs a Python snippet with the library imported; `None` when it is not available.
fn python(snippet: &str) -> Option<String> {
    let program =
        format!("import TLSSigAPIv2\napi = TLSSigAPIv2.TLSSigAPIv2({APP}, '{KEY}')\n{snippet}");
    match Command::new("python3").arg("-c").arg(program).output() {
        Ok(out) if out.status.success() => {
            Some(String::from_utf8(out.stdout).unwrap().trim().to_owned())
        }
        Ok(out) => {
            eprintln!(
                "SKIPPED: the tls-sig-api-v2 Python library is not installed (pip install tls-sig-api-v2): {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            );
            None
        }
        Err(e) => {
            eprintln!("SKIPPED: python3 is not available to run the tls-sig-api-v2 oracle: {e}");
            None
        }
    }
}

#[test]
fn our_verifier_accepts_the_official_librarys_usersig() {
    let Some(sig) = python("print(api.gen_sig('administrator', 3600))") else {
        return;
    };
    let doc = usersig::verify(&sig, APP, KEY, "administrator", usersig::unix_now()).unwrap();
    assert_eq!(doc.expire, 3600);
    assert_eq!(
        usersig::verify(&sig, APP, "other-key", "administrator", usersig::unix_now())
            .unwrap_err()
            .code(),
        70009
    );
}

#[test]
fn our_verifier_accepts_the_official_librarys_usersig_with_userbuf() {
    let Some(sig) = python("print(api.gen_sig_with_userbuf('bob', 3600, b'room-42'))") else {
        return;
    };
    let doc = usersig::verify(&sig, APP, KEY, "bob", usersig::unix_now()).unwrap();
    assert_eq!(doc.userbuf.as_deref(), Some("cm9vbS00Mg=="));
}

#[test]
fn the_official_library_signs_the_fixed_vector_as_we_do() {
    let Some(theirs) =
        python("print(api._TLSSigAPIv2__hmacsha256('admin', 1700000000, 15552000).decode())")
    else {
        return;
    };
    let ours = usersig::decode(&usersig::generate(
        APP,
        KEY,
        "admin",
        15_552_000,
        1_700_000_000,
    ))
    .unwrap()
    .sig;
    assert_eq!(theirs, ours);
    assert_eq!(ours, "3cjTnO/gKL/+FXJRADCK1V3clKvy6z5MYmn9ENXsWkI=");
}
