import { parseJsonBody } from './json-body.js';

const parse = (text: string) => parseJsonBody(Buffer.from(text));

describe('the JSON body parser at the edge', () => {
  it('parses strict JSON', () => {
    expect(parse('{"amount":"12.00","creditor":{"name":"Globex"},"tags":[1,2]}')).toEqual({
      amount: '12.00',
      creditor: { name: 'Globex' },
      tags: [1, 2],
    });
    expect(parse(' [1] ')).toEqual([1]);
  });

  it('refuses a key given twice, naming where (the last one would silently win)', () => {
    expect(() => parse('{"amount":"12.00","amount":"999999.99"}')).toThrow('body.amount: the key appears twice');
    expect(() => parse('{"creditor":{"name":"A","name":"B"}}')).toThrow('body.creditor.name: the key appears twice');
    expect(() => parse('{"payments":[{"amount":"1.00"},{"amount":"2.00","amount":"3.00"}]}')).toThrow(
      'body.payments.1.amount: the key appears twice',
    );
    expect(parse('{"a":{"x":1},"b":{"x":2}}')).toEqual({ a: { x: 1 }, b: { x: 2 } }); // the same key in two objects is fine
  });

  it('refuses what no request holds: empty, not JSON, too deep, NUL characters', () => {
    expect(() => parse('')).toThrow('body: must not be empty');
    expect(() => parse('{"amount":')).toThrow('body: is not valid JSON');
    expect(() => parse("{'a':1}")).toThrow('body: is not valid JSON');
    expect(() => parse(`${'['.repeat(40)}${']'.repeat(40)}`)).toThrow('body: nested deeper than 32 levels');
    expect(() => parse('{"name":"a\\u0000b"}')).toThrow('body.name: holds a NUL character');
    expect(() => parse('{"a\\u0000":1}')).toThrow('a key holds a NUL character');
  });
});
