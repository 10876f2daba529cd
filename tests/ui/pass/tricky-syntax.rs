// Syntax that must keep working inside an instrumented body.

use gracefully::{interruptible, ThreadExit};

#[interruptible]
fn labels_and_break_values(grid: &[Vec<u32>]) -> Result<Option<(usize, usize)>, ThreadExit> {
    let mut row = 0;
    let found = 'rows: loop {
        let Some(cells) = grid.get(row) else {
            break None;
        };
        row += 1;
        for (col, &cell) in cells.iter().enumerate() {
            if cell == 0 {
                continue;
            }
            if cell > 100 {
                continue 'rows;
            }
            if cell == 7 {
                break 'rows Some((row - 1, col));
            }
        }
    };
    Ok(found)
}

#[interruptible]
fn let_else_and_while_let(mut items: Vec<Option<u32>>) -> Result<u32, ThreadExit> {
    let mut total = 0;
    while let Some(item) = items.pop() {
        let Some(value) = item else { continue };
        total += value;
    }
    Ok(total)
}

#[interruptible]
fn macros_in_the_body(n: usize) -> Result<Vec<usize>, ThreadExit> {
    let mut out = vec![];
    for i in 0..n {
        if matches!(i % 3, 0 | 1) {
            out.push(i);
        }
        debug_assert!(i < n, "{i} out of range");
    }
    println!("{}", format!("{} items", out.len()));
    Ok(out)
}

#[interruptible]
fn cfg_on_statements() -> Result<u32, ThreadExit> {
    let mut n = 0;
    #[cfg(any())]
    for _ in 0..10 {
        n += 100;
    }
    #[cfg(all())]
    for _ in 0..10 {
        n += 1;
    }
    #[allow(unused_labels)]
    'unused: loop {
        break;
    }
    Ok(n)
}

#[interruptible]
fn closures_async_blocks_and_items_are_left_alone() -> Result<u32, ThreadExit> {
    // None of these loops may get a `?` checkpoint: their return types
    // do not accept one.
    let count = |n: u32| {
        let mut i = 0;
        while i < n {
            i += 1;
        }
        i
    };
    let later = async {
        for _ in 0..3 {}
    };
    drop(later);
    fn helper() -> u32 {
        let mut i = 0;
        loop {
            i += 1;
            if i == 3 {
                break i;
            }
        }
    }
    const LEN: usize = {
        let mut i = 0;
        while i < 4 {
            i += 1;
        }
        i
    };
    let array = [0u8; LEN];
    Ok(count(2) + helper() + array.len() as u32)
}

#[interruptible(every = 16)]
fn hot_loop_with_an_unchecked_inner_loop(data: &[u32]) -> Result<u64, ThreadExit> {
    let mut total = 0u64;
    for chunk in data.chunks(8) {
        #[no_checkpoint]
        for &x in chunk {
            total += u64::from(x);
        }
    }
    Ok(total)
}

#[interruptible(unwind)]
fn any_return_type_when_unwinding(n: u32) -> u32 {
    let mut acc = 0;
    for i in 0..n {
        acc += i;
    }
    acc
}

#[interruptible]
fn io_results(lines: &[&str]) -> std::io::Result<usize> {
    let mut total = 0;
    for line in lines {
        total += line.len();
    }
    Ok(total)
}

#[interruptible]
fn boxed_errors(n: u32) -> Result<u32, Box<dyn std::error::Error + Send + Sync>> {
    let mut i = 0;
    while i < n {
        i += 1;
    }
    Ok(i)
}

fn main() {
    assert_eq!(labels_and_break_values(&[vec![200, 7], vec![0, 7]]).unwrap(), Some((1, 1)));
    assert_eq!(let_else_and_while_let(vec![Some(1), None, Some(2)]).unwrap(), 3);
    assert_eq!(macros_in_the_body(4).unwrap(), [0, 1, 3]);
    assert_eq!(cfg_on_statements().unwrap(), 10);
    assert_eq!(closures_async_blocks_and_items_are_left_alone().unwrap(), 9);
    assert_eq!(hot_loop_with_an_unchecked_inner_loop(&[1; 20]).unwrap(), 20);
    assert_eq!(any_return_type_when_unwinding(4), 6);
    assert_eq!(io_results(&["ab", "c"]).unwrap(), 3);
    assert_eq!(boxed_errors(3).unwrap(), 3);
}
