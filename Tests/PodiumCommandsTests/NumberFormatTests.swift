import PodiumCommands
import Testing

/// `NumberFormat.formatDouble` against what Valkey 8.0.1's ZSCORE answered for the same scores (d2string, then
/// fpconv_dtoa), checked by hand.
@Suite struct NumberFormatTests {
    @Test(arguments: [
        (0.00001, "0.00001"), (1.5e-7, "1.5e-7"), (-1.5e-7, "-1.5e-7"), (1e20, "1e+20"), (1e21, "1e+21"),
        (123_456_789_012_345_678, "123456789012345680"), (0.1, "0.1"), (1e-300, "1e-300"), (3.0e15, "3000000000000000"),
        (1.7976931348623157e308, "1.7976931348623157e+308"), (5e-324, "5e-324"),
        (0.30000000000000004, "0.30000000000000004"), (1234567.5, "1234567.5"),
        (4_611_686_018_427_387_904, "4611686018427387904"), (4_611_686_018_427_388_905, "4611686018427389000"),
        (1e19, "1e+19"),
        (-1e19, "-1e+19"), (123.456, "123.456"), (0.000123, "0.000123"), (1e-7, "1e-7"),
        (12345678.9e10, "123456789000000000"), (100, "100"), (1.1e-6, "1.1e-6"), (-0.0, "-0"), (1.5, "1.5"),
        (Double.infinity, "inf"), (-Double.infinity, "-inf"),
    ])
    func matchesValkey(_ value: Double, _ text: String) {
        #expect(NumberFormat.formatDouble(value) == text)
    }
}
